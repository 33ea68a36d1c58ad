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
