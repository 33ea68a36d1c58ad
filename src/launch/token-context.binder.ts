/**
 * Keeps the launch context of issued tokens that cannot carry it. An Entra ID access token has no `patient`
 * or `encounter` claim, so in the azure profile the context of a launch would live only in the token
 * response. The token endpoint therefore keeps it in the launch context store: under SHA-256 of the access
 * token for as long as the verifier accepts the token (the bearer verifier reads it on every request, through
 * stored-launch-context.resolver.ts), and under SHA-256 of the refresh token for `LAUNCH_REFRESH_TTL_SECONDS`,
 * so that a refresh_token grant hands the same context to the new access token. Keys hold hashes only.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#launch-context-arrives-with-your-access_token
 * @see https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/index.js';
import { CLOCK_TOLERANCE_SECONDS } from '../auth/bearer-token.verifier.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import type { KeptRefreshContext, KeptTokenContext, TokenContext } from './launch-context.js';
import { LAUNCH_CONTEXT_STORE, storeKey, type LaunchContextStore } from './launch-context.store.js';
import { OAuthError } from './oauth-error.js';

@Injectable()
export class TokenContextBinder {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LAUNCH_CONTEXT_STORE) private readonly store: LaunchContextStore,
  ) {}

  /** The context kept for a refresh token, if any. Asked before the grant is forwarded, so a store outage spends no refresh token. */
  async ofRefreshToken(refreshToken: string): Promise<KeptRefreshContext | undefined> {
    try {
      return await this.store.get<KeptRefreshContext>(storeKey('refresh', refreshToken));
    } catch {
      throw unavailable();
    }
  }

  /**
   * Keeps `context` for the tokens of one token response, when the access token (verified, `principal`) does
   * not itself name the patient. Nothing is kept for a token that carries its context or has none.
   */
  async keep(accessToken: string, principal: Principal, context: TokenContext, refreshToken: string | undefined): Promise<void> {
    if (context.patient === undefined || principal.patient !== undefined) return;
    const ttlMs = (principal.expiresAt + CLOCK_TOLERANCE_SECONDS) * 1000 - Date.now();
    if (ttlMs <= 0) return;
    const kept: KeptTokenContext = {
      patient: context.patient,
      ...(context.encounter ? { encounter: context.encounter } : {}),
      ...(context.fhirContext?.length ? { fhirContext: context.fhirContext } : {}),
    };
    try {
      await this.store.put(storeKey('token', accessToken), kept, ttlMs);
      if (refreshToken) {
        const forRefresh: KeptRefreshContext = { clientId: principal.clientId, context: kept };
        await this.store.put(storeKey('refresh', refreshToken), forRefresh, this.config.launchRefreshTtlSeconds * 1000);
      }
    } catch {
      // Without the kept context the token would be refused for patient data anyway: say so now.
      throw unavailable();
    }
  }
}

const unavailable = () => new OAuthError('temporarily_unavailable', 'The launch context store is unavailable', 503);
