import { randomUUID } from 'node:crypto';

import { createRemoteJWKSet, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLocalIdp, type LocalIdp } from './local-idp.server.js';
import { createClientAssertion, obtainBackendToken, requestBackendToken } from './token-flow.js';

const FHIR_BASE = 'http://127.0.0.1:8080/fhir';

describe('SMART Backend Services against the local IdP (private_key_jwt, RS384)', () => {
  let idp: LocalIdp;
  const serverErrors: unknown[] = [];

  beforeAll(async () => {
    idp = await startLocalIdp({ port: 0, fhirAudience: FHIR_BASE, onServerError: (e) => serverErrors.push(e) });
  });
  afterAll(async () => {
    expect(serverErrors).toEqual([]);
    await idp?.close();
  });

  const assertion = (overrides: Partial<Parameters<typeof createClientAssertion>[0]> = {}) =>
    createClientAssertion({
      clientId: 'backend-service',
      audience: idp.tokenEndpoint,
      privateKey: idp.backendClientKey.privateKey,
      kid: idp.backendClientKey.kid,
      ...overrides,
    });

  it('a good assertion gets a system-level JWT access token for the FHIR base', async () => {
    const { backendClientKey } = idp;
    const tokens = await obtainBackendToken({
      issuer: idp.issuer,
      clientId: backendClientKey.clientId,
      privateKey: backendClientKey.privateKey,
      kid: backendClientKey.kid,
      scope: 'system/Patient.rs system/Observation.read',
    });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(idp.jwksUri)), {
      issuer: idp.issuer,
      audience: FHIR_BASE,
    });
    expect(payload['client_id']).toBe('backend-service');
    expect(payload.sub).toBe('backend-service');
    expect(String(payload['scope']).split(' ').sort()).toEqual(['system/Observation.read', 'system/Patient.rs']);
    expect(payload['fhirUser']).toBeUndefined();
    expect(payload['patient']).toBeUndefined();
  });

  it('refuses an assertion whose aud is not the token endpoint', async () => {
    const bad = await assertion({ audience: 'http://127.0.0.1:1/token' });
    await expect(requestBackendToken(idp.tokenEndpoint, bad, 'system/*.rs')).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  });

  it('refuses an expired assertion', async () => {
    const bad = await assertion({ expiresIn: -120 });
    await expect(requestBackendToken(idp.tokenEndpoint, bad, 'system/*.rs')).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses an assertion that expires more than five minutes ahead', async () => {
    const bad = await assertion({ expiresIn: 3600 });
    await expect(requestBackendToken(idp.tokenEndpoint, bad, 'system/*.rs')).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a replayed jti', async () => {
    const jti = randomUUID();
    await expect(requestBackendToken(idp.tokenEndpoint, await assertion({ jti }), 'system/*.rs')).resolves.toHaveProperty('access_token');
    const replay = await assertion({ jti });
    await expect(requestBackendToken(idp.tokenEndpoint, replay, 'system/*.rs')).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses an assertion signed with another key, even under the registered kid', async () => {
    const { privateKey } = await generateKeyPair('RS384');
    const bad = await assertion({ privateKey });
    await expect(requestBackendToken(idp.tokenEndpoint, bad, 'system/*.rs')).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses an unknown kid', async () => {
    const bad = await assertion({ kid: 'not-registered' });
    await expect(requestBackendToken(idp.tokenEndpoint, bad, 'system/*.rs')).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a sub other than the client id', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bad = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS384', kid: idp.backendClientKey.kid })
      .setIssuer('backend-service')
      .setSubject('someone-else')
      .setAudience(idp.tokenEndpoint)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti(randomUUID())
      .sign(idp.backendClientKey.privateKey);
    await expect(requestBackendToken(idp.tokenEndpoint, bad, 'system/*.rs')).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses an HMAC assertion keyed with anything', async () => {
    const bad = await assertion({ alg: 'HS256', privateKey: new TextEncoder().encode('x'.repeat(32)) });
    await expect(requestBackendToken(idp.tokenEndpoint, bad, 'system/*.rs')).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses patient or user scopes for the backend client', async () => {
    await expect(requestBackendToken(idp.tokenEndpoint, await assertion(), 'patient/*.rs')).rejects.toMatchObject({ error: 'invalid_scope' });
    await expect(requestBackendToken(idp.tokenEndpoint, await assertion(), 'user/*.rs launch')).rejects.toMatchObject({ error: 'invalid_scope' });
  });
});
