/**
 * SMART Backend Services client: an access token from the EMR's token endpoint with `client_credentials` and
 * a `private_key_jwt` client assertion (RS384 or ES384, `kid` in the header, `iss` = `sub` = client id,
 * `aud` = the token URL, `exp` under five minutes ahead, a unique `jti`). The token is cached until shortly
 * before it expires. The client id and the private key (a JWK with `kid` and `alg`) come from the
 * SecretsProvider; when the token endpoint refuses the client, secrets are fetched fresh once (a key rotated
 * in Key Vault) before giving up. Tokens, assertions and keys are never logged.
 *
 * @see https://hl7.org/fhir/smart-app-launch/backend-services.html#obtain-access-token
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
import { randomUUID } from 'node:crypto';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { importJWK, SignJWT, type CryptoKey, type JWK, type KeyObject } from 'jose';
import type { SecretsProvider } from '../../secrets/index.js';

/** SMART Backend Services: the assertion's `exp` no more than five minutes after `iat`. */
const ASSERTION_LIFETIME_S = 240;
const ALGORITHMS = new Set(['RS384', 'ES384']);

export interface SmartBackendOptions {
  readonly tokenUrl: string;
  readonly scope: string;
  readonly secrets: SecretsProvider;
  readonly clientIdSecret: string;
  readonly privateKeySecret: string;
  /** Deadline of one token request. */
  readonly timeoutMs: number;
  /** Renew this long before `expires_in` runs out. */
  readonly refreshMarginMs?: number;
  readonly now?: () => number;
}

/** The token endpoint refused or could not be reached. Carries no token, key or response body. */
export class TokenEndpointError extends Error {
  constructor(readonly reason: 'unreachable' | 'refused' | 'invalid-response' | 'bad-key', readonly status?: number) {
    super(`Token endpoint: ${reason}${status ? ` (${status})` : ''}`);
    this.name = 'TokenEndpointError';
  }
}

interface SigningKey {
  readonly key: CryptoKey | KeyObject | Uint8Array;
  readonly kid: string;
  readonly alg: string;
}

export class SmartBackendCredential implements TokenCredential {
  private cached?: AccessToken;
  private inflight?: Promise<AccessToken>;
  private parsedKey?: { source: string; key: SigningKey };
  private readonly now: () => number;

  constructor(private readonly options: SmartBackendOptions) {
    this.now = options.now ?? Date.now;
  }

  async getToken(_scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const margin = this.options.refreshMarginMs ?? 30_000;
    if (this.cached && this.cached.expiresOnTimestamp - margin > this.now()) return this.cached;
    // One token request shared by concurrent callers, bounded by its own deadline (not by one caller's signal).
    this.inflight ??= this.obtain().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Forgets the cached token (the EMR answered 401 with it). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async obtain(): Promise<AccessToken> {
    try {
      return await this.request(false);
    } catch (err) {
      if (!(err instanceof TokenEndpointError) || (err.reason !== 'refused' && err.reason !== 'bad-key')) throw err;
      return this.request(true); // the key or client id may have been rotated: read them again, once
    }
  }

  private async request(freshSecrets: boolean): Promise<AccessToken> {
    const { secrets, tokenUrl, scope } = this.options;
    const clientId = await secrets.get(this.options.clientIdSecret, { fresh: freshSecrets });
    const key = await this.signingKey(await secrets.get(this.options.privateKeySecret, { fresh: freshSecrets }));
    const now = Math.floor(this.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_S)
      .setJti(randomUUID())
      .sign(key.key);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    let res: Response;
    try {
      res = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch {
      throw new TokenEndpointError('unreachable');
    }
    const body = (await res.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    if (res.status === 400 || res.status === 401) throw new TokenEndpointError('refused', res.status);
    if (!res.ok) throw new TokenEndpointError('unreachable', res.status);
    if (typeof body?.access_token !== 'string' || body.access_token === '') throw new TokenEndpointError('invalid-response', res.status);
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
    this.cached = { token: body.access_token, expiresOnTimestamp: this.now() + expiresIn * 1000 };
    return this.cached;
  }

  /** The private key secret is a JWK (JSON) with `kid` and `alg` (RS384 or ES384), so key and kid rotate together. */
  private async signingKey(source: string): Promise<SigningKey> {
    if (this.parsedKey?.source === source) return this.parsedKey.key;
    let jwk: JWK;
    try {
      jwk = JSON.parse(source) as JWK;
    } catch {
      throw new TokenEndpointError('bad-key');
    }
    if (typeof jwk.kid !== 'string' || typeof jwk.alg !== 'string' || !ALGORITHMS.has(jwk.alg) || jwk.d === undefined) {
      throw new TokenEndpointError('bad-key');
    }
    const key = { key: await importJWK(jwk, jwk.alg), kid: jwk.kid, alg: jwk.alg };
    this.parsedKey = { source, key };
    return key;
  }
}
