/**
 * A JWKS fetched from an issuer and cached for as long as its Cache-Control allows
 * (bounded to [1 min, 24 h]; 10 min when the issuer says nothing). An unknown `kid` triggers
 * a refetch at most once per cooldown, so a key rotation at the issuer is picked up without
 * restart while a flood of made-up `kid`s cannot hammer the issuer.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.1
 */
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

const DEFAULT_MAX_AGE_MS = 10 * 60_000;
const MIN_MAX_AGE_MS = 60_000;
const MAX_MAX_AGE_MS = 24 * 3600_000;
const FETCH_TIMEOUT_MS = 5_000;

export class JwksCache {
  private keySet?: JWTVerifyGetKey;
  private kids = new Set<string>();
  private expiresAt = 0;
  private lastFetch = 0;
  private inflight?: Promise<void>;

  constructor(
    private readonly jwksUri: () => Promise<string>,
    private readonly cooldownMs: number,
  ) {}

  /** True once a key set has been loaded (readiness). */
  get loaded(): boolean {
    return this.keySet !== undefined;
  }

  /** The key resolver handed to `jwtVerify`. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const now = Date.now();
    const unknownKid = header.kid !== undefined && !this.kids.has(header.kid);
    if (!this.keySet || now >= this.expiresAt || (unknownKid && now - this.lastFetch >= this.cooldownMs)) {
      await this.refresh();
    }
    if (!this.keySet) throw new Error('JWKS unavailable');
    return this.keySet(header, token);
  };

  /** Fetches the key set now (one fetch at a time). */
  refresh(): Promise<void> {
    this.inflight ??= this.fetchKeys().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    this.lastFetch = Date.now();
    const response = await fetch(await this.jwksUri(), {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      redirect: 'error',
    });
    if (!response.ok) throw new Error(`JWKS fetch failed with ${response.status}`);
    const jwks = (await response.json()) as JSONWebKeySet;
    if (!Array.isArray(jwks?.keys)) throw new Error('JWKS has no keys');
    this.keySet = createLocalJWKSet(jwks);
    this.kids = new Set(jwks.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
    this.expiresAt = Date.now() + maxAgeOf(response.headers.get('cache-control'));
  }
}

/** max-age from a Cache-Control header, clamped; no-store/no-cache mean the minimum. */
export function maxAgeOf(cacheControl: string | null): number {
  if (!cacheControl) return DEFAULT_MAX_AGE_MS;
  if (/\bno-(store|cache)\b/i.test(cacheControl)) return MIN_MAX_AGE_MS;
  const match = /\bmax-age=(\d+)/i.exec(cacheControl);
  if (!match) return DEFAULT_MAX_AGE_MS;
  return Math.min(MAX_MAX_AGE_MS, Math.max(MIN_MAX_AGE_MS, Number(match[1]) * 1000));
}
