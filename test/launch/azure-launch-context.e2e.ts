/**
 * EHR launch in the azure profile, where the authorization server is Entra ID and its access tokens cannot
 * carry `patient` or `encounter`: the facade keeps the launch context by token hash (in a real Redis) and the
 * bearer verifier finds it on every request. Against the real local stack, fronting an Entra stand-in (its own
 * JWKS and token endpoint, Entra-shaped claims). The app's token is narrowed to the launched patient, before
 * and after refresh; without its kept context it is refused, never unconstrained.
 */
import { decodeJwt } from 'jose';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAUNCH_CONTEXT_STORE, storeKey, type LaunchContextStore } from '../../src/launch/index.js';
import { startEntraStandIn, type EntraStandIn } from '../support/entra-stand-in.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { authorizeThroughFacade, exchange, postForm } from './support/facade-flow.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const APP = 'entra-smart-app';
const APP_ID_URI = 'api://fhir-facade-test';
const SCOPE = 'launch openid fhirUser offline_access patient/*.rs';
const PRAC = 'Practitioner/prac-01';
const A = 'pat-003';
const A_ENCOUNTER = 'enc-003-1';
const B = 'pat-002';

let redis: RedisServer;
let entra: EntraStandIn;
let stack: TestStack;
let store: LaunchContextStore;

beforeAll(async () => {
  redis = await startRedisServer();
  entra = await startEntraStandIn({ appIdUri: APP_ID_URI });
  stack = await startTestStack({
    azureProfile: true,
    authorizationServer: { issuer: entra.issuer, audiences: [APP_ID_URI], jwksUri: entra.jwksUri },
    env: { REDIS_URL: redis.url, SMART_APPS: JSON.stringify([{ clientId: APP, launchUrl: 'http://127.0.0.1/app/launch' }]) },
  });
  store = stack.app.get<LaunchContextStore>(LAUNCH_CONTEXT_STORE);
});
afterAll(async () => {
  await stack?.close();
  await entra?.close();
  await redis?.stop();
});

/** EHR launch from the dashboard, then the app's authorization through the facade and Entra. */
async function launchApp(patient: string, encounter?: string) {
  const dashboard = await stack.token(PRAC, 'openid fhirUser user/*.rs');
  const res = await stack.fetch('/bff/provider/launch', {
    method: 'POST',
    token: dashboard,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: APP, patient, ...(encounter ? { encounter } : {}) }),
  });
  expect(res.status).toBe(201);
  const { launch } = (await res.json()) as { launch: string };
  return signInAndExchange(launch);
}

async function signInAndExchange(launch?: string) {
  const code = await authorizeThroughFacade({
    baseUrl: stack.baseUrl,
    aud: stack.fhirBase,
    user: 'dr.one@contoso.example',
    clientId: APP,
    scope: SCOPE,
    ...(launch ? { launch } : {}),
    extra: { login_hint: 'dr.one@contoso.example' },
  });
  const tok = await exchange(stack.baseUrl, code);
  expect(tok.status).toBe(200);
  return tok.body as Record<string, unknown> & { access_token: string; refresh_token: string };
}

const refresh = (refreshToken: string) => postForm(`${stack.baseUrl}/auth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: APP });

async function get(path: string, token: string) {
  const res = await stack.fetch(path, { token });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { id?: string; entry?: { resource: { subject?: { reference?: string } } }[] } };
}

/** The token reads its patient and their Observations, and nothing of `other`'s, by id or by search. */
async function expectNarrowedTo(token: string, patient: string, other: string) {
  const own = await get(`Patient/${patient}`, token);
  expect(own.status).toBe(200);
  expect(own.body.id).toBe(patient);
  for (const search of [`Observation?patient=${patient}`, 'Observation']) {
    const obs = await get(search, token);
    expect(obs.status).toBe(200);
    expect(obs.body.entry?.length).toBeGreaterThan(0);
    for (const e of obs.body.entry ?? []) expect(e.resource.subject?.reference).toBe(`Patient/${patient}`);
  }
  const othersObservation = (await get(`Observation?patient=${other}&_count=1`, await stack.systemToken())).body.entry?.[0]?.resource as { id: string };
  // Refused by the policy (403), or, for another patient's resource read by id, found outside the compartment on the way out (404).
  for (const [path, status] of [
    [`Patient/${other}`, 403],
    [`Observation?patient=${other}`, 403],
    [`Observation?subject=Patient/${other}`, 403],
    [`Patient/${other}/Observation`, 403],
    [`Observation/${othersObservation.id}`, 404],
  ] as const) {
    const res = await get(path, token);
    expect(res.status, path).toBe(status);
    expect(JSON.stringify(res.body)).not.toContain(`Patient/${other}`);
  }
}

async function introspect(token: string) {
  const res = await fetch(`${stack.baseUrl}/auth/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${await stack.systemToken('system/Patient.rs')}` },
    body: new URLSearchParams({ token }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('azure profile: the launch context of an Entra token is kept by token hash', () => {
  it('the token Entra issues for an EHR launch carries no patient; the token response does', async () => {
    const tok = await launchApp(A, A_ENCOUNTER);
    const claims = decodeJwt(tok.access_token);
    expect(claims).toMatchObject({ iss: entra.issuer, aud: APP_ID_URI, azp: APP, tid: entra.tenantId, ver: '2.0' });
    expect(claims.scp).toContain('patient.all.rs');
    for (const claim of ['patient', 'encounter', 'fhirUser', 'scope']) expect(claims[claim]).toBeUndefined();
    expect(tok).toMatchObject({ patient: A, encounter: A_ENCOUNTER, need_patient_banner: true });
    expect(String(tok.scope).split(' ')).toContain('patient/*.rs');
  });

  it("after an EHR launch for patient A, the app's token reads A and A's Observations, and is refused for B", async () => {
    const tok = await launchApp(A, A_ENCOUNTER);
    await expectNarrowedTo(tok.access_token, A, B);
  });

  it('introspection names the launched patient and encounter of an Entra token', async () => {
    const tok = await launchApp(A, A_ENCOUNTER);
    const res = await introspect(tok.access_token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: true, client_id: APP, patient: A, encounter: A_ENCOUNTER, iss: entra.issuer });
  });

  it('after refresh, the new token carries the same context and the response repeats it', async () => {
    const tok = await launchApp(A, A_ENCOUNTER);
    const first = await refresh(tok.refresh_token);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ patient: A, encounter: A_ENCOUNTER });
    const renewed = String(first.body.access_token);
    expect(renewed).not.toBe(tok.access_token);
    expect(decodeJwt(renewed).patient).toBeUndefined();
    await expectNarrowedTo(renewed, A, B);
    // And again from the rotated refresh token.
    const second = await refresh(String(first.body.refresh_token));
    expect(second.body).toMatchObject({ patient: A, encounter: A_ENCOUNTER });
    await expectNarrowedTo(String(second.body.access_token), A, B);
  });

  it('a token from another launch (patient B) never sees A', async () => {
    const forA = await launchApp(A);
    const forB = await launchApp(B);
    await expectNarrowedTo(forB.access_token, B, A);
    const renewedB = await refresh(forB.refresh_token);
    expect(renewedB.body.patient).toBe(B);
    await expectNarrowedTo(String(renewedB.body.access_token), B, A);
    // A's token is unaffected by B's launch.
    await expectNarrowedTo(forA.access_token, A, B);
  });

  it('an Entra token with patient scopes that was never launched has no patient and gets no patient data', async () => {
    const tok = await signInAndExchange();
    expect(tok.patient).toBeUndefined();
    for (const path of [`Patient/${A}`, 'Observation', `Observation?patient=${A}`]) expect((await get(path, tok.access_token)).status, path).toBe(403);
  });

  it('when the kept context is missing or has expired, patient-scoped requests are refused, never unconstrained', async () => {
    const tok = await launchApp(A, A_ENCOUNTER);
    expect((await get(`Patient/${A}`, tok.access_token)).status).toBe(200);
    const key = storeKey('token', tok.access_token);
    const kept = await store.take(key);
    expect(kept).toMatchObject({ patient: A, encounter: A_ENCOUNTER });
    for (const path of [`Patient/${A}`, 'Observation', `Observation?patient=${A}`, `Patient/${B}`]) {
      const res = await get(path, tok.access_token);
      expect(res.status, path).toBe(403);
      expect(res.body.entry).toBeUndefined();
    }
    const intro = await introspect(tok.access_token);
    expect(intro.body.active).toBe(true);
    expect(intro.body.patient).toBeUndefined();

    // Put back with a short lifetime: served while it lives, refused once Redis has expired it.
    await store.put(key, kept, 300);
    expect((await get(`Patient/${A}`, tok.access_token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 450));
    expect((await get(`Patient/${A}`, tok.access_token)).status).toBe(403);
    expect((await get('Observation', tok.access_token)).status).toBe(403);
  });

  it('a refresh token whose kept context is gone yields a token without patient context, refused for patient data', async () => {
    const tok = await launchApp(A);
    await store.take(storeKey('refresh', tok.refresh_token));
    const renewed = await refresh(tok.refresh_token);
    expect(renewed.status).toBe(200);
    expect(renewed.body.patient).toBeUndefined();
    expect((await get('Observation', String(renewed.body.access_token))).status).toBe(403);
  });

  it('tokens that carry their patient, and tokens without patient scopes, never cause a store lookup', async () => {
    const patientToken = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs');
    const dashboard = await stack.token(PRAC, 'openid fhirUser user/*.rs');
    const system = await stack.systemToken();
    const gets = async () => {
      const client = new Redis(redis.url);
      try {
        const info = await client.info('commandstats');
        return Number(/cmdstat_get:calls=(\d+)/.exec(info)?.[1] ?? 0);
      } finally {
        client.disconnect();
      }
    };
    const before = await gets();
    for (const token of [patientToken, dashboard, system]) {
      for (let i = 0; i < 3; i += 1) expect((await get('Patient/pat-001', token)).status).not.toBe(401);
    }
    expect(await gets()).toBe(before);
  });

  it('when the launch context store is unreachable, the request is refused with 503, never served', async () => {
    const tok = await launchApp(A, A_ENCOUNTER);
    await redis.stop();
    for (const path of [`Patient/${A}`, 'Observation']) {
      const res = await get(path, tok.access_token);
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(res.body.entry).toBeUndefined();
      expect(JSON.stringify(res.body)).not.toContain(A);
    }
    expect((await introspect(tok.access_token)).status).toBe(503);
    const renewed = await refresh(tok.refresh_token);
    expect(renewed.status).toBe(503);
    expect(renewed.body).toMatchObject({ error: 'temporarily_unavailable' });
    expect(renewed.body.access_token).toBeUndefined();
  });
});
