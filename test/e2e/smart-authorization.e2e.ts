/**
 * SMART scopes, provider access, break-glass, backend services and write validation, end to end with
 * tokens from the local IdP (real auth-code + PKCE flows) and the test issuer (Entra-style claims).
 */
import type { Bundle, Observation, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainBackendToken } from '../../src/sandbox/token-flow.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const ME = 'pat-001';
const OBS = 'obs-001-hr-1';
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

const heartRate = (patient: string, id?: string): Observation => ({
  resourceType: 'Observation',
  ...(id ? { id } : {}),
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: `Patient/${patient}` },
  valueQuantity: { value: 70, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});
const post = (body: unknown, extra: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/fhir+json', ...extra },
  body: JSON.stringify(body),
});
const rule = async (res: Response) => ((await res.json()) as OperationOutcome).issue?.[0]?.details?.text ?? '';

describe('SMART scopes on a patient token', () => {
  let stack: TestStack;
  const tokenFor = (scope: string) => stack.token(`Patient/${ME}`, `openid fhirUser launch/patient ${scope}`);

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  it('v1 .read allows read and search but not create', async () => {
    const token = await tokenFor('patient/Observation.read');
    expect((await stack.fetch(`Observation/${OBS}`, { token })).status).toBe(200);
    expect((await stack.fetch(`Observation?code=8867-4`, { token })).status).toBe(200);
    const created = await stack.fetch('Observation', { ...post(heartRate(ME)), token });
    expect(created.status).toBe(403);
    expect(await rule(created)).toContain('scope-missing:Observation.c');
  });

  it('v1 .write allows create but not read', async () => {
    const token = await tokenFor('patient/Observation.write');
    expect((await stack.fetch('Observation', { ...post(heartRate(ME)), token })).status).toBe(201);
    expect((await stack.fetch(`Observation/${OBS}`, { token })).status).toBe(403);
  });

  it('v2 r without s reads but cannot search', async () => {
    const token = await tokenFor('patient/Observation.r');
    expect((await stack.fetch(`Observation/${OBS}`, { token })).status).toBe(200);
    const search = await stack.fetch('Observation', { token });
    expect(search.status).toBe(403);
    expect(await rule(search)).toContain('scope-missing:Observation.s');
  });

  it('v2 s without r searches but cannot read by id', async () => {
    const token = await tokenFor('patient/Observation.s');
    expect((await stack.fetch('Observation', { token })).status).toBe(200);
    expect((await stack.fetch(`Observation/${OBS}`, { token })).status).toBe(403);
  });

  it('v2 c, u and d each allow only their interaction', async () => {
    const c = await tokenFor('patient/Observation.c');
    const createdRes = await stack.fetch('Observation', { ...post(heartRate(ME), { prefer: 'return=representation' }), token: c });
    expect(createdRes.status).toBe(201);
    expect(await createdRes.text()).toBe(''); // `c` alone may not read back what it wrote
    expect(createdRes.headers.get('content-type')).toBeNull(); // no body, no media type
    const location = createdRes.headers.get('location')!;
    expect(location.startsWith(`${stack.fhirBase}/Observation/`)).toBe(true);
    const created = { id: location.split('/')[5] };
    const u = await tokenFor('patient/Observation.ru');
    const updated = await stack.fetch(`Observation/${created.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...heartRate(ME, created.id), status: 'amended' }),
      token: u,
    });
    expect(updated.status).toBe(200);
    expect((await stack.fetch(`Observation/${created.id}`, { method: 'DELETE', token: u })).status).toBe(403);
    const d = await tokenFor('patient/Observation.rd');
    expect((await stack.fetch(`Observation/${created.id}`, { method: 'DELETE', token: d })).status).toBe(200);
    expect([404, 410]).toContain((await stack.fetch(`Observation/${created.id}`, { token: d })).status);
  });

  it("a conditional create that finds its match answers with the upstream's 200, not the route's default 201", async () => {
    const token = await tokenFor('patient/Observation.crs');
    const identifier = { system: 'urn:test:conditional-create', value: `cc-${Date.now()}` };
    const body = { ...heartRate(ME), identifier: [identifier] };
    const ifNoneExist = { 'if-none-exist': `identifier=${identifier.system}|${identifier.value}` };
    const first = await stack.fetch('Observation', { ...post(body, ifNoneExist), token });
    expect(first.status).toBe(201);
    const again = await stack.fetch('Observation', { ...post(body, ifNoneExist), token });
    expect(again.status).toBe(200);
    expect(again.headers.get('content-type')).toContain('application/fhir+json');
    expect(((await again.json()) as Observation).id).toBe(((await first.json()) as Observation).id);
  });

  it('a wildcard patient/*.rs reads every compartment type but writes nothing', async () => {
    const token = await tokenFor('patient/*.rs');
    for (const type of ['Condition', 'MedicationRequest', 'AllergyIntolerance', 'Immunization', 'Encounter']) {
      expect((await stack.fetch(`${type}?_count=1`, { token })).status).toBe(200);
    }
    expect((await stack.fetch('Observation', { ...post(heartRate(ME)), token })).status).toBe(403);
  });

  it('a scope for another type does not reach Observations', async () => {
    const token = await tokenFor('patient/Condition.rs');
    expect((await stack.fetch('Observation', { token })).status).toBe(403);
  });

  it('a granular category scope narrows searches and hides other categories', async () => {
    const token = await tokenFor(`patient/Observation.rs?category=${LAB}`);
    const res = await stack.fetch('Observation?_count=100', { token });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as Bundle<Observation>;
    expect(bundle.entry?.length).toBeGreaterThan(0);
    for (const e of bundle.entry ?? []) {
      expect(e.resource!.category?.some((c) => c.coding?.some((x) => x.code === 'laboratory'))).toBe(true);
    }
    expect([403, 404]).toContain((await stack.fetch(`Observation/${OBS}`, { token })).status); // a vital sign
  });

  it('Entra-style scopes (scp, dot form) are normalised', async () => {
    const token = await stack.testIssuer.sign({
      iss: stack.testIssuer.issuer,
      aud: stack.fhirBase,
      sub: 'entra-user',
      azp: 'entra-app',
      scp: 'patient.Observation.read patient.Patient.read',
      fhirUser: `Patient/${ME}`,
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    expect((await stack.fetch(`Observation/${OBS}`, { token })).status).toBe(200);
    expect((await stack.fetch(`Condition?_count=1`, { token })).status).toBe(403);
  });

  it('a patient/ scope without a patient in context is refused', async () => {
    const token = await stack.testIssuer.sign({
      iss: stack.testIssuer.issuer,
      aud: stack.fhirBase,
      sub: 'app-user',
      client_id: 'app',
      scope: 'patient/*.rs',
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    const res = await stack.fetch(`Observation/${OBS}`, { token });
    expect(res.status).toBe(403);
    expect(await rule(res)).toContain('patient-context-required');
  });

  it('an invalid resource is refused with 400 and FHIRPath expressions, no echo', async () => {
    const token = await tokenFor('patient/Observation.crus');
    const bad = { ...heartRate(ME), status: 'CANARY-not-a-status', valueQuantity: { value: 'not a number' } };
    const res = await stack.fetch('Observation', { ...post(bad), token });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain('CANARY');
    const outcome = JSON.parse(text) as OperationOutcome;
    expect(outcome.issue?.length).toBeGreaterThan(0);
    expect(outcome.issue?.every((i) => (i.expression?.length ?? 0) > 0)).toBe(true);
  });

  it('a body whose type does not match the URL is refused', async () => {
    const token = await tokenFor('patient/*.cruds');
    const res = await stack.fetch(`Observation/${OBS}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Condition', id: OBS, subject: { reference: `Patient/${ME}` } }),
      token,
    });
    expect([400, 403]).toContain(res.status);
  });
});

describe('practitioners under the care-team policy, break-glass, and backend services', () => {
  let stack: TestStack;
  const prac = (n: string, scope = 'openid fhirUser user/*.rs') => stack.token(`Practitioner/${n}`, scope, undefined, 'provider-dashboard');

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  it('a practitioner opens patients of their care team and not others', async () => {
    const token = await prac('prac-01');
    expect((await stack.fetch('Patient/pat-001', { token })).status).toBe(200);
    expect((await stack.fetch('Observation?patient=pat-005', { token })).status).toBe(200);
    const other = await stack.fetch('Patient/pat-011', { token });
    expect(other.status).toBe(403);
    expect((await stack.fetch('Observation?patient=pat-011', { token })).status).toBe(403);
  });

  it('a practitioner reaches a patient through an Encounter they took part in', async () => {
    const token = await prac('prac-03');
    expect((await stack.fetch('Patient/pat-012', { token })).status).toBe(200);
    expect((await stack.fetch('Patient/pat-013', { token })).status).toBe(403);
  });

  it("a practitioner's unfiltered search only returns patients they may open", async () => {
    const token = await prac('prac-03');
    const bundle = (await (await stack.fetch('Condition?_count=500', { token })).json()) as Bundle;
    const patients = new Set((bundle.entry ?? []).map((e) => (e.resource as { subject?: { reference?: string } }).subject?.reference));
    expect(patients.size).toBeGreaterThan(0);
    const allowed = new Set(['Patient/pat-012', 'Patient/pat-021', 'Patient/pat-022', 'Patient/pat-023', 'Patient/pat-024', 'Patient/pat-025']);
    for (const p of patients) expect(allowed.has(p!)).toBe(true);
  });

  it('break-glass: the role and a reason open a patient outside the care team, for a while', async () => {
    const token = await prac('prac-01');
    expect((await stack.fetch('Patient/pat-026', { token })).status).toBe(403);
    const noReason = await stack.fetch('Patient/pat-026', { token, headers: { 'x-break-glass-reason': '' } });
    expect(noReason.status).toBe(403);
    expect(await rule(noReason)).toContain('break-glass-reason-required');
    const opened = await stack.fetch('Patient/pat-026', { token, headers: { 'x-break-glass-reason': 'unconscious patient in ED' } });
    expect(opened.status).toBe(200);
    // The grant lasts: a follow-up request for the same patient needs no header.
    expect((await stack.fetch('Observation?patient=pat-026', { token })).status).toBe(200);
    // It covers that patient only.
    expect((await stack.fetch('Patient/pat-027', { token })).status).toBe(403);
  });

  it('break-glass without the role is refused, whatever the reason', async () => {
    const token = await prac('prac-03');
    const res = await stack.fetch('Patient/pat-027', { token, headers: { 'x-break-glass-reason': 'I insist' } });
    expect(res.status).toBe(403);
    expect(await rule(res)).toContain('break-glass-role-required');
  });

  it('a backend service with system/ scopes reads across patients, within its types and letters', async () => {
    const key = stack.idp.backendClientKey;
    const { access_token: token } = await obtainBackendToken({
      issuer: stack.idp.issuer,
      clientId: key.clientId,
      privateKey: key.privateKey,
      kid: key.kid,
      scope: 'system/Observation.rs',
    });
    const bundle = (await (await stack.fetch('Observation?code=8867-4&_count=100', { token })).json()) as Bundle;
    const patients = new Set((bundle.entry ?? []).map((e) => (e.resource as Observation).subject?.reference));
    expect(patients.size).toBeGreaterThan(1);
    expect((await stack.fetch('Patient/pat-001', { token })).status).toBe(403);
    expect((await stack.fetch('Observation', { ...post(heartRate(ME)), token })).status).toBe(403);
  });
});

describe('practitioners under the organization policy', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { PROVIDER_ACCESS_POLICY: 'organization' } });
  });
  afterAll(() => stack?.close());

  it('a practitioner of the organization opens any of its patients', async () => {
    const token = await stack.token('Practitioner/prac-03', 'openid fhirUser user/Patient.rs', undefined, 'provider-dashboard');
    expect((await stack.fetch('Patient/pat-026', { token })).status).toBe(200);
    expect((await stack.fetch('Patient/pat-001', { token })).status).toBe(200);
  });
});

describe('discovery', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  it('smart-configuration has the required SMART 2.2 fields, S256 only, JSON whatever the Accept, CORS', async () => {
    const res = await stack.fetch('.well-known/smart-configuration', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const doc = (await res.json()) as Record<string, unknown>;
    for (const field of ['issuer', 'jwks_uri', 'authorization_endpoint', 'token_endpoint', 'grant_types_supported', 'capabilities', 'code_challenge_methods_supported']) {
      expect(doc[field], field).toBeDefined();
    }
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) expect(String(doc[field])).toMatch(/^https?:\/\//);
  });

  it('metadata carries rest.security with the SMART service and oauth-uris', async () => {
    const cs = (await (await stack.fetch('metadata')).json()) as { rest: { security: { service: { coding: { code: string }[] }[]; extension: { url: string }[] } }[] };
    const security = cs.rest[0]!.security;
    expect(security.service[0]!.coding[0]!.code).toBe('SMART-on-FHIR');
    expect(security.extension.some((e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris')).toBe(true);
  });
});
