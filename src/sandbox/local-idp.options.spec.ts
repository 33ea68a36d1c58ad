import { calculateJwkThumbprint, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLocalIdp, type LocalIdp } from './local-idp.server.js';
import { createPkcePair, obtainBackendToken, obtainUserToken } from './token-flow.js';

const FHIR_BASE = 'http://127.0.0.1:8080/fhir';
const APP_CALLBACK = 'http://127.0.0.1:8080/demo-app/callback';

describe('local identity provider: options, login page and cookies', () => {
  let idp: LocalIdp;
  let emrKey: { privateKey: CryptoKey; kid: string };

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    emrKey = { privateKey, kid };
    idp = await startLocalIdp({
      port: 0,
      fhirAudience: `${FHIR_BASE}/`,
      redirectUris: [APP_CALLBACK],
      extraClients: [
        {
          client_id: 'emr-epic-facade',
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES384',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          jwks: { keys: [{ ...jwk, kid, alg: 'ES384', use: 'sig' }] },
        },
      ],
    });
  });
  afterAll(async () => {
    await idp?.close();
  });

  it('normalises the FHIR base (no trailing slash) and registers extra redirect URIs for user-facing clients', async () => {
    expect(idp.fhirAudience).toBe(FHIR_BASE);
    const tokens = await obtainUserToken({
      issuer: idp.issuer,
      clientId: 'smart-app',
      redirectUri: APP_CALLBACK,
      user: 'Patient/pat-002',
      scope: 'launch/patient patient/*.rs',
    });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(idp.jwksUri)), { audience: FHIR_BASE });
    expect(payload['patient']).toBe('pat-002');
  });

  it('serves extra clients, e.g. an ES384 backend-services client', async () => {
    const tokens = await obtainBackendToken({
      issuer: idp.issuer,
      clientId: 'emr-epic-facade',
      privateKey: emrKey.privateKey,
      kid: emrKey.kid,
      alg: 'ES384',
      scope: 'system/Appointment.rs',
    });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(idp.jwksUri)), { audience: FHIR_BASE });
    expect(payload).toMatchObject({ client_id: 'emr-epic-facade', scope: 'system/Appointment.rs' });
  });

  it('refuses an unregistered redirect URI without redirecting to it', async () => {
    const { challenge } = createPkcePair();
    const url = new URL(idp.authorizationEndpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'patient-portal',
      redirect_uri: 'http://127.0.0.1:6666/steal',
      scope: 'patient/*.rs',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('shows a local-only login form over http with cookies a plain-http browser keeps, and Cancel returns access_denied', async () => {
    const { challenge } = createPkcePair();
    const url = new URL(idp.authorizationEndpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'patient-portal',
      redirect_uri: APP_CALLBACK,
      scope: 'patient/*.rs',
      state: 's1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      aud: FHIR_BASE,
    }).toString();
    const start = await fetch(url, { redirect: 'manual' });
    expect(start.status).toBe(303);
    const cookies = start.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    expect(cookies.some((c) => /;\s*secure/i.test(c))).toBe(false);
    const cookie = cookies.map((c) => c.split(';')[0]).join('; ');

    const pageUrl = new URL(String(start.headers.get('location')), idp.issuer);
    const page = await fetch(pageUrl, { headers: { cookie } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('LOCAL SANDBOX ONLY');
    expect(html).toContain('name="user"');
    expect(html).toContain('Practitioner/prac-01');

    // Without the interaction cookie the page is not served.
    expect((await fetch(pageUrl)).status).toBe(400);

    const abort = await fetch(new URL(`${pageUrl.pathname}/abort`, idp.issuer), { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect(abort.status).toBe(303);
    const resume = await fetch(new URL(String(abort.headers.get('location')), idp.issuer), { headers: { cookie }, redirect: 'manual' });
    const callback = new URL(String(resume.headers.get('location')));
    expect(callback.href.startsWith(APP_CALLBACK)).toBe(true);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('code')).toBeNull();
  });
});
