/**
 * A second, real token issuer for the token-attack tests: OpenID discovery and a JWKS over HTTP on loopback,
 * with the private key in the test's hands so it can mint tokens that are well signed but wrong in one way
 * (expired, nbf in the future, no exp, wrong aud…). The facade trusts it through AUTH_ISSUERS like any issuer.
 */
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface TestIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly publicJwk: JWK;
  readonly privateKey: Parameters<SignJWT['sign']>[0];
  readonly kid: string;
  /** Signs claims with the issuer's key (RS256 unless `alg` says otherwise); claims are taken as given. */
  sign(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-issuer-key-1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === '/jwks') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'max-age=300');
      res.end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    publicJwk,
    privateKey,
    kid,
    sign: (claims, header = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt', ...header } as never).sign(privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
