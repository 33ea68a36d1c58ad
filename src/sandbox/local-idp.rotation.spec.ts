import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLocalIdp, type LocalIdp } from './local-idp.server.js';
import { obtainBackendToken, obtainUserToken, refreshUserToken } from './token-flow.js';

const FHIR_BASE = 'http://127.0.0.1:8080/fhir';

describe('local identity provider: signing key rotation', () => {
  let idp: LocalIdp;

  beforeAll(async () => {
    idp = await startLocalIdp({ port: 0, fhirAudience: FHIR_BASE });
  });
  afterAll(async () => {
    await idp?.close();
  });

  it('after rotateSigningKey tokens carry a new kid that verifies against the refreshed JWKS, on the same issuer', async () => {
    // A verifier that fetched the JWKS before the rotation and refetches on an unknown kid.
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri), { cooldownDuration: 0 });
    const verify = (token: string) => jwtVerify(token, jwks, { issuer: idp.issuer, audience: FHIR_BASE });

    const before = await obtainUserToken({
      issuer: idp.issuer,
      user: 'Patient/pat-005',
      scope: 'launch/patient offline_access patient/*.rs',
    });
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    expect(oldKid).toBe(idp.currentKid());
    await verify(before.access_token);

    await idp.rotateSigningKey();

    const after = await obtainUserToken({ issuer: idp.issuer, user: 'Patient/pat-005', scope: 'launch/patient patient/*.rs' });
    const newKid = decodeProtectedHeader(after.access_token).kid;
    expect(newKid).toBe(idp.currentKid());
    expect(newKid).not.toBe(oldKid);
    const { payload } = await verify(after.access_token);
    expect(payload['patient']).toBe('pat-005');

    // Tokens issued before the rotation stay verifiable until they expire (old public key still published).
    await verify(before.access_token);
    const published = ((await (await fetch(idp.jwksUri)).json()) as { keys: { kid: string; d?: string }[] }).keys;
    expect(published.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    expect(published.every((k) => k.d === undefined)).toBe(true);

    // State survives the rotation: the earlier refresh token and the backend client still work.
    const refreshed = await refreshUserToken({ issuer: idp.issuer, refreshToken: String(before.refresh_token) });
    expect(decodeProtectedHeader(refreshed.access_token).kid).toBe(newKid);
    expect((await verify(refreshed.access_token)).payload['patient']).toBe('pat-005');
    const backend = await obtainBackendToken({
      issuer: idp.issuer,
      clientId: 'backend-service',
      privateKey: idp.backendClientKey.privateKey,
      kid: idp.backendClientKey.kid,
      scope: 'system/Patient.rs',
    });
    await verify(backend.access_token);
  });

  it('keeps only the previous key: two rotations later, tokens signed with the oldest key no longer verify', async () => {
    const old = (await obtainUserToken({ issuer: idp.issuer, user: 'Patient/pat-001', scope: 'patient/*.rs' })).access_token;
    await idp.rotateSigningKey();
    await idp.rotateSigningKey();
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri), { cooldownDuration: 0 });
    await expect(jwtVerify(old, jwks, { issuer: idp.issuer, audience: FHIR_BASE })).rejects.toThrow(/no applicable key|matching/i);
    const fresh = (await obtainUserToken({ issuer: idp.issuer, user: 'Patient/pat-001', scope: 'patient/*.rs' })).access_token;
    await expect(jwtVerify(fresh, jwks, { issuer: idp.issuer, audience: FHIR_BASE })).resolves.toBeDefined();
  });
});
