/**
 * Short-lived records shared by every facade instance: EHR launch contexts (keyed by the opaque `launch`
 * value) and authorization requests bound to a PKCE challenge, both single use (`take` is atomic, so a value
 * is redeemed at most once even when two instances race for it); and the launch context of issued tokens
 * that cannot carry it themselves (Entra ID), read with `get` for as long as the token lives.
 * In memory by default; Redis when `REDIS_URL` is set (see redis-launch-context.store.ts).
 */
import { createHash } from 'node:crypto';

export const LAUNCH_CONTEXT_STORE = Symbol('LAUNCH_CONTEXT_STORE');

export interface LaunchContextStore {
  /** Stores `value` under `key` for `ttlMs`. */
  put(key: string, value: unknown, ttlMs: number): Promise<void>;
  /** Returns and deletes the value in one step; undefined when absent or expired. */
  take<T>(key: string): Promise<T | undefined>;
  /** Returns the value and leaves it in place; undefined when absent or expired. */
  get<T>(key: string): Promise<T | undefined>;
  close(): Promise<void>;
}

/**
 * What a key stands for: an EHR `launch` value, an authorization bound to a PKCE challenge, an issued access
 * token, an issued refresh token; in the azure patient picker, the handle (`state`) of an app's authorization
 * request waiting for the facade's own sign-in, and the CSRF value of a picker form.
 */
export type StoreKeyKind = 'launch' | 'authz' | 'token' | 'refresh' | 'picker' | 'picker-form';

/** How long an authorization may take from /authorize to /token (sign-in, picker, code exchange). */
export const AUTHORIZATION_TTL_MS = 10 * 60_000;

/** Store keys never hold the secret itself (a `launch` value, a PKCE challenge, a token): only its SHA-256. */
export function storeKey(kind: StoreKeyKind, secret: string): string {
  return hashedStoreKey(kind, createHash('sha256').update(secret).digest('base64url'));
}

/** The same key from the secret's SHA-256 (base64url), for a caller that has hashed it already. */
export function hashedStoreKey(kind: StoreKeyKind, sha256: string): string {
  return `fhir-facade:${kind}:${sha256}`;
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

  async get<T>(key: string): Promise<T | undefined> {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
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
