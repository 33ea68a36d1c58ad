/**
 * SMART App Launch through the facade's authorization endpoints, against the real local stack:
 * EHR launch (launch value from the provider dashboard), standalone launch, and requests wrong in one way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { authorizeThroughFacade, authorizeUrl, exchange, FlowError, postForm } from './support/facade-flow.js';

let stack: TestStack;
const PRAC = 'Practitioner/prac-01';
const PRAC_SCOPE = 'openid fhirUser user/*.rs';

beforeAll(async () => {
  stack = await startTestStack({ patientPicker: true, env: { LAUNCH_TTL_SECONDS: '3' } });
});
afterAll(async () => stack?.close());

async function ehrLaunch(patient: string, encounter?: string, clientId = 'smart-app') {
  const token = await stack.token(PRAC, PRAC_SCOPE);
  const res = await stack.fetch('/bff/provider/launch', {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId, patient, ...(encounter ? { encounter } : {}) }),
  });
  return { status: res.status, body: (await res.json()) as { launchUrl: string; launch: string; expiresIn: number } };
}

const base = () => ({ baseUrl: stack.baseUrl, aud: stack.fhirBase });

describe('EHR launch', () => {
  it('a launch value binds the patient and encounter to the token and the token response', async () => {
    const { status, body } = await ehrLaunch('pat-003', 'enc-003-1');
    expect(status).toBe(201);
    const url = new URL(body.launchUrl);
    expect(url.searchParams.get('iss')).toBe(stack.fhirBase);
    expect(url.searchParams.get('launch')).toBe(body.launch);
    expect(body.launch).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const code = await authorizeThroughFacade({ ...base(), user: PRAC, scope: 'launch openid fhirUser patient/*.rs', launch: body.launch });
    const tok = await exchange(stack.baseUrl, code);
    expect(tok.status).toBe(200);
    expect(tok.body).toMatchObject({ patient: 'pat-003', encounter: 'enc-003-1', need_patient_banner: true, token_type: 'Bearer' });
    expect(tok.headers.get('cache-control')).toBe('no-store');
    expect(tok.headers.get('pragma')).toBe('no-cache');

    // The token itself carries the context: the facade narrows the app to that patient.
    const obs = await stack.fetch('Observation', { token: String(tok.body.access_token) });
    const bundle = (await obs.json()) as { entry?: { resource: { subject: { reference: string } } }[] };
    expect(obs.status).toBe(200);
    expect(bundle.entry?.length).toBeGreaterThan(0);
    for (const e of bundle.entry ?? []) expect(e.resource.subject.reference).toBe('Patient/pat-003');
  });
});

describe('EHR launch: a launch value is single-use, short-lived, and bound to its app', () => {
  it('a reused launch value is refused (400, no redirect)', async () => {
    const { body } = await ehrLaunch('pat-002');
    await authorizeThroughFacade({ ...base(), user: PRAC, scope: 'launch openid fhirUser patient/*.rs', launch: body.launch });
    const again = await fetch(authorizeUrl({ ...base(), user: PRAC, scope: 'launch patient/*.rs', launch: body.launch }).url, { redirect: 'manual' });
    expect(again.status).toBe(400);
    expect(again.headers.get('location')).toBeNull();
    expect(await again.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('an expired launch value is refused', async () => {
    const { body } = await ehrLaunch('pat-002');
    await new Promise((r) => setTimeout(r, 3_300));
    const res = await fetch(authorizeUrl({ ...base(), user: PRAC, scope: 'launch patient/*.rs', launch: body.launch }).url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('a made-up launch value is refused', async () => {
    const res = await fetch(authorizeUrl({ ...base(), user: PRAC, scope: 'launch patient/*.rs', launch: 'x'.repeat(43) }).url, { redirect: 'manual' });
    expect(res.status).toBe(400);
  });

  it('a launch value issued for one app cannot be redeemed by another client', async () => {
    const { body } = await ehrLaunch('pat-002');
    const res = await fetch(authorizeUrl({ ...base(), clientId: 'patient-portal', user: PRAC, scope: 'launch patient/*.rs', launch: body.launch }).url, { redirect: 'manual' });
    expect(res.status).toBe(400);
  });

  it('a practitioner cannot launch an app for a patient the provider access policy does not let them open', async () => {
    const { status } = await ehrLaunch('pat-027');
    expect(status).toBe(403);
  });

  it("an encounter that is not the patient's is refused", async () => {
    const { status } = await ehrLaunch('pat-002', 'enc-003-1');
    expect(status).toBe(400);
  });

  it('a patient token cannot create launches', async () => {
    const token = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs');
    const res = await stack.fetch('/bff/provider/launch', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'smart-app', patient: 'pat-001' }),
    });
    expect(res.status).toBe(403);
  });
});

describe('authorization requests wrong in one way are refused', () => {
  const standalone = () => ({ ...base(), user: 'Patient/pat-001', scope: 'openid fhirUser launch/patient patient/*.rs' });

  it('a wrong aud gets 400 and no redirect', async () => {
    const res = await fetch(authorizeUrl({ ...standalone(), aud: 'https://evil.example.org/fhir' }).url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('a missing aud gets 400', async () => {
    const { url } = authorizeUrl(standalone());
    url.searchParams.delete('aud');
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(400);
  });

  it('plain PKCE is refused', async () => {
    const { url } = authorizeUrl({ ...standalone(), challengeMethod: 'plain' });
    url.searchParams.set('code_challenge', 'a'.repeat(43));
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('a request without PKCE is refused', async () => {
    const { url } = authorizeUrl(standalone());
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(400);
  });

  it('a token request without code_verifier is refused, with no-store headers', async () => {
    const code = await authorizeThroughFacade(standalone());
    const res = await exchange(stack.baseUrl, code, null);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('a wrong code_verifier is refused', async () => {
    const code = await authorizeThroughFacade(standalone());
    const res = await exchange(stack.baseUrl, code, 'b'.repeat(64));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_grant' });
    // ...and the code cannot be used afterwards either (oidc-provider revokes on a failed PKCE check or not: never a token)
    expect(res.body.access_token).toBeUndefined();
  });
});

describe('standalone launch', () => {
  it('a patient user gets their own patient in context', async () => {
    const code = await authorizeThroughFacade({ ...base(), user: 'Patient/pat-004', scope: 'openid fhirUser launch/patient patient/*.rs' });
    const tok = await exchange(stack.baseUrl, code);
    expect(tok.status).toBe(200);
    expect(tok.body).toMatchObject({ patient: 'pat-004', need_patient_banner: true });
    expect(String(tok.body.smart_style_url)).toMatch(/^http:\/\/.+\/auth\/smart-style\.json$/);
  });

  it('a practitioner picks a patient on a picker page that lists only patients they may open', async () => {
    const code = await authorizeThroughFacade({ ...base(), user: 'Practitioner/prac-03', scope: 'openid fhirUser launch/patient patient/*.rs', patient: 'pat-012', usePicker: true });
    expect(code.pickerChoices).toEqual(['pat-012', 'pat-021', 'pat-022', 'pat-023', 'pat-024', 'pat-025']);
    const tok = await exchange(stack.baseUrl, code);
    expect(tok.body).toMatchObject({ patient: 'pat-012' });
  });

  it('a practitioner cannot type in a patient the picker would not offer', async () => {
    await expect(
      authorizeThroughFacade({ ...base(), user: 'Practitioner/prac-03', scope: 'openid fhirUser launch/patient patient/*.rs', patient: 'pat-001' }),
    ).rejects.toBeInstanceOf(FlowError);
  });
});

describe('SMART App Launch test kit checks', () => {
  it('smart-configuration advertises the facade endpoints with the required fields and types, S256 only', async () => {
    const res = await stack.fetch('.well-known/smart-configuration');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.authorization_endpoint).toBe(`${stack.baseUrl}/auth/authorize`);
    expect(doc.token_endpoint).toBe(`${stack.baseUrl}/auth/token`);
    expect(doc.introspection_endpoint).toBe(`${stack.baseUrl}/auth/introspect`);
    for (const f of ['issuer', 'jwks_uri', 'authorization_endpoint', 'token_endpoint', 'introspection_endpoint']) expect(typeof doc[f]).toBe('string');
    for (const f of ['grant_types_supported', 'scopes_supported', 'response_types_supported', 'capabilities', 'code_challenge_methods_supported', 'token_endpoint_auth_methods_supported']) {
      expect(Array.isArray(doc[f])).toBe(true);
      expect((doc[f] as unknown[]).every((v) => typeof v === 'string')).toBe(true);
    }
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.capabilities).toEqual(expect.arrayContaining(['launch-ehr', 'launch-standalone', 'context-ehr-patient', 'context-ehr-encounter', 'context-standalone-patient', 'permission-offline']));
    expect(doc.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code']));
  });

  it('the token response has the required fields and types, and refresh keeps scopes a subset', async () => {
    const scope = 'openid fhirUser launch/patient offline_access patient/Patient.rs patient/Observation.rs';
    const code = await authorizeThroughFacade({ ...base(), user: 'Patient/pat-005', scope });
    const tok = await exchange(stack.baseUrl, code);
    expect(tok.status).toBe(200);
    expect(typeof tok.body.access_token).toBe('string');
    expect(tok.body.token_type).toBe('Bearer');
    expect(typeof tok.body.expires_in).toBe('number');
    expect(typeof tok.body.scope).toBe('string');
    expect(typeof tok.body.refresh_token).toBe('string');
    expect(typeof tok.body.id_token).toBe('string');
    expect(tok.body.patient).toBe('pat-005');
    expect(tok.headers.get('cache-control')).toBe('no-store');
    expect(tok.headers.get('pragma')).toBe('no-cache');
    const granted = String(tok.body.scope).split(' ');

    const narrower = await postForm(`${stack.baseUrl}/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(tok.body.refresh_token),
      client_id: 'smart-app',
      scope: 'patient/Patient.rs offline_access',
    });
    expect(narrower.status).toBe(200);
    expect(narrower.headers.get('cache-control')).toBe('no-store');
    for (const s of String(narrower.body.scope).split(' ')) expect(granted).toContain(s);
    expect(String(narrower.body.scope).split(' ')).not.toContain('patient/Observation.rs');

    const wider = await postForm(`${stack.baseUrl}/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(narrower.body.refresh_token ?? tok.body.refresh_token),
      client_id: 'smart-app',
      scope: 'patient/*.cruds',
    });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
  });

  /** An introspection request from a caller holding `callerToken` (a resource server's backend-service token by default). */
  async function introspect(form: Record<string, string>, authorization?: string | null) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const auth = authorization === undefined ? `Bearer ${await stack.systemToken('system/Patient.rs')}` : authorization;
    if (auth !== null) headers.authorization = auth;
    const res = await fetch(`${stack.baseUrl}/auth/introspect`, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  it('introspection describes a good token and answers {"active": false} for any bad one', async () => {
    const token = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs', undefined, 'smart-app');
    const good = await introspect({ token });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ active: true, patient: 'pat-001', client_id: 'smart-app', sub: 'Patient/pat-001' });
    expect(good.headers.get('cache-control')).toBe('no-store');
    const tampered = `${token.slice(0, -4)}AAAA`;
    for (const bad of [tampered, 'not-a-token', '', 'a.b.c']) {
      const res = await introspect({ token: bad });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ active: false });
    }
    const missing = await introspect({});
    expect(missing.body).toEqual({ active: false });
  });

  it('introspection accepts an app token as the caller too (SMART: an appropriately scoped app or backend-service token)', async () => {
    const token = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs', undefined, 'smart-app');
    const res = await introspect({ token }, `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: true, patient: 'pat-001' });
  });

  it('an unauthenticated introspection call is refused with 401 and WWW-Authenticate, and describes nothing', async () => {
    const token = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs', undefined, 'smart-app');
    const forged = await stack.testIssuer.sign({ iss: 'https://evil.example.org', aud: stack.fhirBase, sub: 'x', client_id: 'x', exp: Math.floor(Date.now() / 1000) + 600 });
    const expired = await stack.testIssuer.sign({ iss: stack.testIssuer.issuer, aud: stack.fhirBase, sub: 'x', client_id: 'x', scope: 'system/Patient.rs', exp: Math.floor(Date.now() / 1000) - 600 });
    for (const [authorization, challenge] of [
      [null, `Bearer realm="${stack.fhirBase}"`],
      ['Basic c21hcnQtYXBwOnNlY3JldA==', `Bearer realm="${stack.fhirBase}"`],
      ['Bearer not-a-token', `Bearer realm="${stack.fhirBase}"`],
      [`Bearer ${forged}`, `Bearer realm="${stack.fhirBase}", error="invalid_token"`],
      [`Bearer ${expired}`, `Bearer realm="${stack.fhirBase}", error="invalid_token"`],
      [`Bearer ${token.slice(0, -4)}AAAA`, `Bearer realm="${stack.fhirBase}", error="invalid_token"`],
    ] as const) {
      const res = await introspect({ token }, authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(challenge);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
      expect(JSON.stringify(res.body)).not.toContain('pat-001');
    }
  });

  it('an unsupported grant type is an OAuth error, not an OperationOutcome', async () => {
    const res = await postForm(`${stack.baseUrl}/auth/token`, { grant_type: 'password', username: 'x', password: 'y' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
  });
});
