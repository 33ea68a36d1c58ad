import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** A private signing key in JWK form with its `kid`, as oidc-provider's `jwks` configuration takes it. */
export interface SigningJwk extends JWK {
  kid: string;
  alg: string;
  use: 'sig';
}

/**
 * Generates an RSA key pair and returns the private JWK; `kid` is the RFC 7638 thumbprint, so every
 * rotation yields a new `kid`. https://www.rfc-editor.org/rfc/rfc7638
 */
export async function generateSigningJwk(alg: 'RS256' | 'RS384' = 'RS256'): Promise<SigningJwk> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

/** The public half of a private RSA JWK. */
export function publicJwk(jwk: SigningJwk): SigningJwk {
  const { kty, n, e, kid, alg, use } = jwk;
  return { kty, n, e, kid, alg, use };
}

/** Key material of the `backend-service` client (SMART Backend Services, `private_key_jwt` RS384). */
export interface BackendClientKey {
  clientId: string;
  kid: string;
  alg: 'RS384';
  /** Private key to sign client assertions with (jose `SignJWT.sign`). */
  privateKey: CryptoKey;
  privateJwk: SigningJwk;
  publicJwk: SigningJwk;
}

export async function generateBackendClientKey(clientId: string): Promise<BackendClientKey> {
  const { privateKey } = await generateKeyPair('RS384', { extractable: true, modulusLength: 2048 });
  const exported = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(exported);
  const privateJwk: SigningJwk = { ...exported, kid, alg: 'RS384', use: 'sig' };
  return { clientId, kid, alg: 'RS384', privateKey, privateJwk, publicJwk: publicJwk(privateJwk) };
}
