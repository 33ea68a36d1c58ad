/**
 * Short-lived, single-use records shared by every facade instance: EHR launch contexts (keyed by the
 * opaque `launch` value) and authorization requests bound to a PKCE challenge. `take` is atomic, so a
 * value is redeemed at most once even when two instances race for it.
 * In memory by default; Redis when `REDIS_URL` is set (see redis-launch-context.store.ts).
 */
import { createHash } from 'node:crypto';

export const LAUNCH_CONTEXT_STORE = Symbol('LAUNCH_CONTEXT_STORE');

export interface LaunchContextStore {
  /** Stores `value` under `key` for `ttlMs`. */
  put(key: string, value: unknown, ttlMs: number): Promise<void>;
  /** Returns and deletes the value in one step; undefined when absent or expired. */
  take<T>(key: string): Promise<T | undefined>;
  close(): Promise<void>;
}

/** Store keys never hold the secret itself (a `launch` value, a PKCE challenge): only its SHA-256. */
export function storeKey(kind: 'launch' | 'authz', secret: string): string {
  return `fhir-facade:${kind}:${createHash('sha256').update(secret).digest('base64url')}`;
}

const MAX_ENTRIES = 100_000;

export class MemoryLaunchContextStore implements LaunchContextStore {
  private readonly entries = new Map<string, { json: string; expires: number }>();

  async put(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.sweep();
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { json: JSON.stringify(value), expires: Date.now() + ttlMs });
  }

  async take<T>(key: string): Promise<T | undefined> {
    const hit = this.entries.get(key);
    this.entries.delete(key);
    if (!hit || hit.expires <= Date.now()) return undefined;
    return JSON.parse(hit.json) as T;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
  }
}
