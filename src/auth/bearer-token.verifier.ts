/**
 * Verifies a bearer access token and turns it into a Principal.
 * Every check here fails closed; the caller answers any failure with the same 401,
 * so a client cannot learn which check failed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8725 (JWT best current practices)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3 (bearer token errors)
 */
import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { LaunchContextUnavailableError, mayHaveKeptContext, type LaunchContextResolver, type TokenLaunchContext } from './launch-context.resolver.js';
import type { Principal } from './principal.js';
import { principalFromClaims } from './principal.factory.js';
import type { TrustedIssuerRegistry } from './trusted-issuer.registry.js';

/** Asymmetric algorithms only: never `none`, never HS* (an HMAC "signed" with a public key). */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'PS256', 'ES256', 'ES384'] as const;
/** Header parameters that would let the token choose its own key: refused outright. */
const KEY_CHOOSING_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;
/** Skew allowed on `exp` and `nbf`: a token is accepted until `exp` + this. */
export const CLOCK_TOLERANCE_SECONDS = 60;
const CACHE_MAX_ENTRIES = 10_000;

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super('invalid token');
    this.name = 'InvalidTokenError';
  }
}

export class BearerTokenVerifier {
  /** Verified tokens by SHA-256 of the token, until their `exp`: a repeated token costs one hash. */
  private readonly cache = new Map<string, Principal>();
  /**
   * Verified tokens whose launch context may be kept apart (no `patient` claim, patient or launch scopes;
   * see launch-context.resolver.ts), as their own claims make them. The context itself is looked up on every
   * use and never cached here, so it cannot outlive the store's entry.
   */
  private readonly awaitingContext = new Map<string, Principal>();

  constructor(
    private readonly issuers: TrustedIssuerRegistry,
    private readonly contexts?: LaunchContextResolver,
  ) {}

  /** The caller's principal, with the launch context kept for the token when the token cannot carry it. */
  async verify(token: string): Promise<Principal> {
    const cacheKey = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(cacheKey);
    if (cached) {
      if (cached.expiresAt + CLOCK_TOLERANCE_SECONDS > Date.now() / 1000) return cached;
      this.cache.delete(cacheKey);
    }
    const principal = await this.claimsOf(token, cacheKey);
    return this.contexts && mayHaveKeptContext(principal) ? this.withKeptContext(principal, cacheKey, this.contexts) : principal;
  }

  /** The principal as the token's own claims make it, without a kept launch context (the token endpoint's view). */
  async verifyClaims(token: string): Promise<Principal> {
    return this.claimsOf(token, createHash('sha256').update(token).digest('base64url'));
  }

  private async claimsOf(token: string, cacheKey: string): Promise<Principal> {
    for (const map of [this.cache, this.awaitingContext]) {
      const hit = map.get(cacheKey);
      if (!hit) continue;
      if (hit.expiresAt + CLOCK_TOLERANCE_SECONDS > Date.now() / 1000) return hit;
      map.delete(cacheKey);
    }
    const principal = await this.verifyUncached(token);
    const map = this.contexts && mayHaveKeptContext(principal) ? this.awaitingContext : this.cache;
    if (map.size >= CACHE_MAX_ENTRIES) map.delete(map.keys().next().value as string);
    map.set(cacheKey, principal);
    return principal;
  }

  /** Fails closed: a store that cannot answer refuses the request rather than serve it without its patient. */
  private async withKeptContext(principal: Principal, tokenHash: string, contexts: LaunchContextResolver): Promise<Principal> {
    let kept: TokenLaunchContext | undefined;
    try {
      kept = await contexts.resolve(tokenHash);
    } catch {
      throw new LaunchContextUnavailableError();
    }
    if (!kept) return principal;
    return { ...principal, patient: kept.patient, ...(kept.encounter ? { encounter: kept.encounter } : {}) };
  }

  private async verifyUncached(token: string): Promise<Principal> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      throw new InvalidTokenError('malformed');
    }
    if (typeof header.alg !== 'string' || !(ALLOWED_ALGORITHMS as readonly string[]).includes(header.alg)) {
      throw new InvalidTokenError('algorithm not allowed');
    }
    if (KEY_CHOOSING_HEADERS.some((h) => h in header)) throw new InvalidTokenError('key-choosing header');
    const issuer = this.issuers.find(unverified.iss);
    if (!issuer) throw new InvalidTokenError('untrusted issuer');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, issuer.keys.getKey, {
        issuer: issuer.issuer,
        audience: [...issuer.audiences],
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch {
      throw new InvalidTokenError('verification failed');
    }
    const principal = principalFromClaims(payload);
    if (!principal) throw new InvalidTokenError('claims incomplete');
    return principal;
  }
}
