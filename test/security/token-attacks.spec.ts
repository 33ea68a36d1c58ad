/**
 * A forged, stale or misdirected token never reaches FHIR data. Each attack is answered 401 with
 * `WWW-Authenticate: Bearer … error="invalid_token"` and the same OperationOutcome, which does not say
 * which check failed. A well-formed token from the same issuer passes, so the refusals are not vacuous.
 */
import { createPublicKey } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../support/test-issuer.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('token attacks', () => {
  let stack: TestStack;
  let issuer: TestIssuer;
  let outsider: TestIssuer;
  let goodClaims: () => JWTPayload;
  let referenceBody: string;

  beforeAll(async () => {
    stack = await startTestStack();
    issuer = stack.testIssuer;
    outsider = await startTestIssuer();
    goodClaims = () => ({
      iss: issuer.issuer,
      aud: stack.fhirBase,
      sub: 'attacker-or-user',
      client_id: 'test-client',
      scope: 'system/*.rs',
      exp: Math.floor(Date.now() / 1000) + 300,
      iat: Math.floor(Date.now() / 1000),
    });
    const expired = await issuer.sign({ ...goodClaims(), exp: Math.floor(Date.now() / 1000) - 3600 });
    referenceBody = await (await stack.fetch('Patient/pat-001', { token: expired })).text();
  });
  afterAll(async () => {
    await outsider?.close();
    await stack?.close();
  });

  async function expectRejected(token: string): Promise<void> {
    const res = await stack.fetch('Patient/pat-001', { token });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain(`realm="${stack.fhirBase}"`);
    expect(challenge).toContain('error="invalid_token"');
    const body = await res.text();
    expect(JSON.parse(body).resourceType).toBe('OperationOutcome');
    expect(body).toBe(referenceBody); // the same answer whatever failed
    expect(body).not.toContain('pat-001');
  }

  it('accepts a well-formed token from a trusted issuer (control)', async () => {
    const res = await stack.fetch('Patient/pat-001', { token: await issuer.sign(goodClaims()) });
    expect(res.status).toBe(200);
  });

  it('without a token: 401 with a Bearer challenge and no error code', async () => {
    const res = await stack.fetch('Patient/pat-001');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${stack.fhirBase}"`);
  });

  it('refuses an expired token', async () => {
    await expectRejected(await issuer.sign({ ...goodClaims(), exp: Math.floor(Date.now() / 1000) - 120 }));
  });

  it('refuses a token whose nbf is in the future', async () => {
    await expectRejected(await issuer.sign({ ...goodClaims(), nbf: Math.floor(Date.now() / 1000) + 600 }));
  });

  it('refuses a token without exp', async () => {
    const { exp: _exp, ...claims } = goodClaims();
    await expectRejected(await issuer.sign(claims));
  });

  it('refuses a token with a wrong iss', async () => {
    await expectRejected(await issuer.sign({ ...goodClaims(), iss: `${issuer.issuer}/evil` }));
  });

  it('refuses a token for another audience', async () => {
    await expectRejected(await issuer.sign({ ...goodClaims(), aud: 'https://other-fhir.example.org/fhir' }));
  });

  it('refuses alg none', async () => {
    await expectRejected(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(goodClaims())}.`);
  });

  it("refuses HS256 signed with the issuer's public key as the HMAC secret", async () => {
    const publicPem = await exportSPKI(createPublicKey({ key: issuer.publicJwk as never, format: 'jwk' }));
    const forged = await new SignJWT(goodClaims())
      .setProtectedHeader({ alg: 'HS256', kid: issuer.kid })
      .sign(new TextEncoder().encode(publicPem));
    await expectRejected(forged);
  });

  it('refuses a token signed by an unknown key under an unknown kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await expectRejected(await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256', kid: 'not-a-known-kid' }).sign(privateKey));
  });

  it("refuses a token signed by the attacker's key under the issuer's kid", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await expectRejected(await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256', kid: issuer.kid }).sign(privateKey));
  });

  it('refuses a token that embeds its own jwk', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    await expectRejected(await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256', jwk }).sign(privateKey));
  });

  it('refuses a token whose jku points at a key set elsewhere', async () => {
    // The outsider is a real issuer serving its own JWKS; the token names it in jku.
    await expectRejected(await outsider.sign({ ...goodClaims() }, { jku: outsider.jwksUri, kid: outsider.kid }));
  });

  it('refuses a well-signed token whose payload was tampered with', async () => {
    const [h, , s] = (await issuer.sign(goodClaims())).split('.');
    await expectRejected(`${h}.${b64({ ...goodClaims(), scope: 'system/*.cruds', sub: 'admin' })}.${s}`);
  });

  it('refuses a token with its signature stripped', async () => {
    const [h, p] = (await issuer.sign(goodClaims())).split('.');
    await expectRejected(`${h}.${p}.`);
    await expectRejected(`${h}.${p}`);
  });

  it('refuses a token from an issuer not in AUTH_ISSUERS, even when self-consistent', async () => {
    await expectRejected(await outsider.sign({ ...goodClaims(), iss: outsider.issuer }));
  });

  it('refuses a token from the local IdP replayed against the wrong audience claim', async () => {
    const real = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs');
    const [h, p, s] = real.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    await expectRejected(`${h}.${b64({ ...claims, aud: 'https://elsewhere/fhir' })}.${s}`);
  });

  it('picks up a signing key rotated at the issuer without restart', async () => {
    const before = await stack.token('Patient/pat-002', 'openid fhirUser launch/patient patient/Patient.rs');
    expect((await stack.fetch('Patient/pat-002', { token: before })).status).toBe(200);
    const kidBefore = JSON.parse(Buffer.from(before.split('.')[0]!, 'base64url').toString()).kid;
    await stack.idp.rotateSigningKey();
    const after = await stack.token('Patient/pat-002', 'openid fhirUser launch/patient patient/Patient.read');
    const kidAfter = JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid;
    expect(kidAfter).not.toBe(kidBefore);
    expect((await stack.fetch('Patient/pat-002', { token: after })).status).toBe(200);
  });
});
