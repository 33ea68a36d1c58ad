/**
 * The issuers whose tokens the facade accepts: exact `iss` match, each with its audiences and keys.
 * JWKS locations come from configuration or from OpenID discovery.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
import type { TrustedIssuerConfig } from '../config/index.js';
import { JwksCache } from './jwks-cache.js';

export interface TrustedIssuer {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly keys: JwksCache;
}

export class TrustedIssuerRegistry {
  private readonly byIssuer = new Map<string, TrustedIssuer>();

  constructor(issuers: readonly TrustedIssuerConfig[], cooldownMs: number) {
    for (const config of issuers) {
      const jwksUri = lazy(() => (config.jwksUri ? Promise.resolve(config.jwksUri) : discoverJwksUri(config.issuer)));
      this.byIssuer.set(config.issuer, { issuer: config.issuer, audiences: config.audiences, keys: new JwksCache(jwksUri, cooldownMs) });
    }
  }

  /** The issuer with exactly this `iss`, or undefined. */
  find(iss: unknown): TrustedIssuer | undefined {
    return typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
  }

  all(): TrustedIssuer[] {
    return [...this.byIssuer.values()];
  }

  /** Loads every issuer's keys; the result says which failed (readiness). */
  async loadAll(): Promise<{ issuer: string; ok: boolean }[]> {
    return Promise.all(
      this.all().map(async (i) => {
        try {
          if (!i.keys.loaded) await i.keys.refresh();
          return { issuer: i.issuer, ok: true };
        } catch {
          return { issuer: i.issuer, ok: false };
        }
      }),
    );
  }
}

async function discoverJwksUri(issuer: string): Promise<string> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`discovery failed with ${response.status}`);
  const doc = (await response.json()) as { issuer?: string; jwks_uri?: string };
  if (doc.issuer !== issuer || typeof doc.jwks_uri !== 'string') throw new Error('discovery document does not match the issuer');
  return doc.jwks_uri;
}

/** Memoises a successful promise; a failure is retried on the next call. */
function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make().catch((err: unknown) => {
      value = undefined;
      throw err;
    });
    return value;
  };
}
