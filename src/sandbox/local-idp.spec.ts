import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLocalIdp, type LocalIdp } from './local-idp.server.js';
import { authorizeWithLogin, DEFAULT_REDIRECT_URI, exchangeCode, obtainUserToken, refreshUserToken } from './token-flow.js';

const FHIR_BASE = 'http://127.0.0.1:8080/fhir';

describe('local identity provider: user tokens', () => {
  let idp: LocalIdp;
  const serverErrors: unknown[] = [];

  beforeAll(async () => {
    idp = await startLocalIdp({ port: 0, fhirAudience: FHIR_BASE, onServerError: (e) => serverErrors.push(e) });
  });
  afterAll(async () => {
    expect(serverErrors).toEqual([]);
    await idp?.close();
  });

  async function verify(token: string): Promise<JWTPayload> {
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri));
    const { payload } = await jwtVerify(token, jwks, { issuer: idp.issuer, audience: FHIR_BASE, algorithms: ['RS256'] });
    return payload;
  }

  it('a patient user gets a JWT access token for the FHIR base with scope, fhirUser, client_id and their own patient', async () => {
    const tokens = await obtainUserToken({
      issuer: idp.issuer,
      user: 'Patient/pat-001',
      scope: 'openid fhirUser launch/patient patient/Observation.rs patient/Patient.read',
    });
    expect(tokens.token_type).toBe('Bearer');
    const claims = await verify(tokens.access_token);
    expect(claims.aud).toBe(FHIR_BASE);
    expect(claims.sub).toBe('Patient/pat-001');
    expect(claims['fhirUser']).toBe('Patient/pat-001');
    expect(claims['client_id']).toBe('patient-portal');
    expect(claims['patient']).toBe('pat-001');
    expect(claims['roles']).toBeUndefined();
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(60);
    expect(String(claims['scope']).split(' ').sort()).toEqual(
      ['fhirUser', 'launch/patient', 'openid', 'patient/Observation.rs', 'patient/Patient.read'].sort(),
    );
    expect(tokens.scope?.split(' ').sort()).toEqual(String(claims['scope']).split(' ').sort());
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'RS256', kid: idp.currentKid() });
    // SMART fhirUser scope: the id token names the FHIR user too.
    expect(decodeJwt(String(tokens.id_token))['fhirUser']).toBe('Patient/pat-001');
  });

  it('a patient token carries no patient context when launch/patient was not requested', async () => {
    const tokens = await obtainUserToken({ issuer: idp.issuer, user: 'Patient/pat-002', scope: 'patient/Observation.rs' });
    const claims = await verify(tokens.access_token);
    expect(claims['fhirUser']).toBe('Patient/pat-002');
    expect(claims['patient']).toBeUndefined();
  });

  it('a patient user can never put another patient in context', async () => {
    await expect(
      obtainUserToken({ issuer: idp.issuer, user: 'Patient/pat-001', scope: 'launch/patient patient/*.rs', patient: 'pat-002' }),
    ).rejects.toThrow(/own record/);
  });

  it('a practitioner gets the patient they chose, and their roles', async () => {
    const tokens = await obtainUserToken({
      issuer: idp.issuer,
      clientId: 'provider-dashboard',
      user: 'Practitioner/prac-01',
      scope: 'openid fhirUser launch/patient user/*.rs patient/*.rs',
      patient: 'pat-007',
    });
    const claims = await verify(tokens.access_token);
    expect(claims['fhirUser']).toBe('Practitioner/prac-01');
    expect(claims['patient']).toBe('pat-007');
    expect(claims['roles']).toEqual(['break-glass']);
    expect(claims['client_id']).toBe('provider-dashboard');

    const ssn = await verify(
      (await obtainUserToken({ issuer: idp.issuer, clientId: 'smart-app', user: 'Practitioner/prac-02', scope: 'user/Patient.rs' }))
        .access_token,
    );
    expect(ssn['roles']).toEqual(['ssn-read']);
    expect(ssn['patient']).toBeUndefined();
  });

  it('a practitioner asking for launch/patient must choose a patient', async () => {
    await expect(
      obtainUserToken({ issuer: idp.issuer, clientId: 'provider-dashboard', user: 'Practitioner/prac-03', scope: 'launch/patient patient/*.rs' }),
    ).rejects.toThrow(/choose a patient/);
  });

  it('accepts SMART v1, v2 and granular scopes exactly as requested', async () => {
    const requested = [
      'patient/Observation.read',
      'user/*.*',
      'patient/Condition.cruds',
      'user/Encounter.rs',
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
      'patient/Observation.rs?category=vital-signs&status=final',
      'launch/patient',
    ];
    const tokens = await obtainUserToken({ issuer: idp.issuer, clientId: 'smart-app', user: 'Patient/pat-003', scope: requested.join(' ') });
    const claims = await verify(tokens.access_token);
    expect(String(claims['scope']).split(' ').sort()).toEqual([...requested].sort());
  });

  it.each([
    ['a system scope for a user-facing client', 'system/Patient.rs'],
    ['a lower-case resource type', 'patient/observation.read'],
    ['v2 permissions out of order', 'patient/Observation.sr'],
    ['an unknown scope', 'patient/Observation.rs admin'],
    ['an empty granular query', 'patient/Observation.rs?'],
  ])('refuses %s', async (_label, scope) => {
    await expect(obtainUserToken({ issuer: idp.issuer, user: 'Patient/pat-001', scope })).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses an aud that is not the facade FHIR base', async () => {
    await expect(
      obtainUserToken({ issuer: idp.issuer, user: 'Patient/pat-001', scope: 'patient/*.rs', aud: 'http://127.0.0.1:9999/fhir' }),
    ).rejects.toMatchObject({ error: 'invalid_target' });
  });

  it('refuses a missing or wrong code_verifier', async () => {
    const first = await authorizeWithLogin({ issuer: idp.issuer, user: 'Patient/pat-001', scope: 'patient/*.rs' });
    await expect(exchangeCode(first, { codeVerifier: null })).rejects.toMatchObject({ error: 'invalid_grant' });
    const second = await authorizeWithLogin({ issuer: idp.issuer, user: 'Patient/pat-001', scope: 'patient/*.rs' });
    await expect(exchangeCode(second, { codeVerifier: `${second.codeVerifier.slice(1)}x` })).rejects.toMatchObject({ error: 'invalid_grant' });
    // The right verifier still works for a fresh code: the refusals above were about the verifier.
    const third = await authorizeWithLogin({ issuer: idp.issuer, user: 'Patient/pat-001', scope: 'patient/*.rs' });
    await expect(exchangeCode(third)).resolves.toHaveProperty('access_token');
  });

  it.each([
    ['plain', { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }],
    ['no PKCE at all', {}],
  ])('refuses an authorization request with %s', async (_label, pkce) => {
    const url = new URL(`${idp.authorizationEndpoint}`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'patient-portal',
      redirect_uri: DEFAULT_REDIRECT_URI,
      scope: 'patient/*.rs',
      state: 'xyz',
      aud: FHIR_BASE,
      ...pkce,
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    const location = new URL(String(res.headers.get('location')), idp.issuer);
    expect(res.status).toBe(303);
    expect(location.href.startsWith(DEFAULT_REDIRECT_URI)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('offline_access gives a refresh token that yields a new access token with the same context', async () => {
    const tokens = await obtainUserToken({
      issuer: idp.issuer,
      clientId: 'provider-dashboard',
      user: 'Practitioner/prac-02',
      scope: 'launch/patient offline_access patient/Observation.rs patient/Patient.rs',
      patient: 'pat-010',
    });
    expect(typeof tokens.refresh_token).toBe('string');
    const refreshed = await refreshUserToken({ issuer: idp.issuer, clientId: 'provider-dashboard', refreshToken: String(tokens.refresh_token) });
    const claims = await verify(refreshed.access_token);
    expect(claims['patient']).toBe('pat-010');
    expect(claims['fhirUser']).toBe('Practitioner/prac-02');
    expect(claims.jti).not.toBe(decodeJwt(tokens.access_token).jti);
    expect(String(claims['scope']).split(' ')).toEqual(expect.arrayContaining(['patient/Observation.rs', 'patient/Patient.rs']));

    const narrowed = await refreshUserToken({
      issuer: idp.issuer,
      clientId: 'provider-dashboard',
      refreshToken: String(refreshed.refresh_token),
      scope: 'patient/Observation.rs',
    });
    expect((await verify(narrowed.access_token))['scope']).toBe('patient/Observation.rs');
    await expect(
      refreshUserToken({ issuer: idp.issuer, clientId: 'provider-dashboard', refreshToken: String(narrowed.refresh_token), scope: 'user/*.*' }),
    ).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  it('gives no refresh token without offline_access', async () => {
    const tokens = await obtainUserToken({ issuer: idp.issuer, user: 'Patient/pat-004', scope: 'patient/*.rs' });
    expect(tokens.refresh_token).toBeUndefined();
  });
});
