/**
 * The auth module's launch context resolver, backed by the launch context store: the context the token
 * endpoint kept for an issued token under `SHA-256(access token)` (see token-context.binder.ts). Read with
 * `get` on every request the token makes; a store error is `LaunchContextUnavailableError` (fail closed).
 */
import { LaunchContextUnavailableError, type LaunchContextResolver, type TokenLaunchContext } from '../auth/index.js';
import type { KeptTokenContext } from './launch-context.js';
import { hashedStoreKey, type LaunchContextStore } from './launch-context.store.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export class StoredLaunchContextResolver implements LaunchContextResolver {
  constructor(private readonly store: LaunchContextStore) {}

  async resolve(tokenHash: string): Promise<TokenLaunchContext | undefined> {
    let kept: KeptTokenContext | undefined;
    try {
      kept = await this.store.get<KeptTokenContext>(hashedStoreKey('token', tokenHash));
    } catch {
      throw new LaunchContextUnavailableError();
    }
    if (typeof kept?.patient !== 'string' || !ID.test(kept.patient)) return undefined;
    const encounter = typeof kept.encounter === 'string' && ID.test(kept.encounter) ? kept.encounter : undefined;
    return { patient: kept.patient, ...(encounter ? { encounter } : {}) };
  }
}
