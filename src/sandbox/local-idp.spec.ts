import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLocalIdp, type LocalIdp } from './local-idp.server.js';
import { obtainUserToken, refreshUserToken } from './token-flow.js';

const FHIR_BASE = 'http://127.0.0.1:8080/fhir';

describe('local identity provider: user tokens', () => {
  let idp: LocalIdp;
  const serverErrors: unknown[] = [];

  beforeAll(async () => {
    idp = await startLocalIdp({ port: 0, fhirAudience: FHIR_BASE, onServerError: (e) => serverErrors.push(e) });
  });
  afterAll(async () => {
    await idp?.close();
  });

  async function verify(token: string): Promise<JWTPayload> {
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri));
    const { payload } = await jwtVerify(token, jwks, { issuer: idp.issuer, audience: FHIR_BASE, algorithms: ['RS256'] });
    return payload;
  }

  it('a patient user gets a JWT access token for the FHIR base with scope, fhirUser, client_id and patient', async () => {
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
    expect(typeof claims.jti).toBe('string');
    expect(typeof claims.exp).toBe('number');
    expect(String(claims['scope']).split(' ')).toEqual(
      expect.arrayContaining(['patient/Observation.rs', 'patient/Patient.read', 'launch/patient']),
    );
    expect(decodeProtectedHeader(tokens.access_token).kid).toBe(idp.currentKid());
    expect(serverErrors).toEqual([]);
  });
});
