/**
 * Key pairs of the facade's SMART Backend Services clients at the local EMRs: the private half as the secret
 * the facade reads (a JWK with `kid` and `alg`), the public half as registered with the EMR.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface EmrClientKey {
  readonly kid: string;
  readonly alg: 'RS384' | 'ES384';
  /** The secret value: the private JWK as JSON. */
  readonly privateJwkJson: string;
  readonly publicJwk: JWK;
}

export async function generateEmrClientKey(alg: 'RS384' | 'ES384'): Promise<EmrClientKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS384' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  return { kid, alg, privateJwkJson: JSON.stringify({ ...jwk, kid, alg }), publicJwk: { ...pub, kid, alg, use: 'sig' } };
}
