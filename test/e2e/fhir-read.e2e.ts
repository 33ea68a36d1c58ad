/**
 * The read facade end to end: the app on a real port, the Medplum sandbox over HTTP, tokens from the
 * local IdP through real authorization-code + PKCE flows.
 */
import type { Bundle, CapabilityStatement, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const PATIENT = 'pat-001';
const SCOPE = 'openid fhirUser launch/patient patient/*.rs';

describe('FHIR read facade', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack();
    token = await stack.token(`Patient/${PATIENT}`, SCOPE);
  });
  afterAll(() => stack?.close());

  const expectNoUpstreamUrl = (text: string) => expect(text).not.toContain(stack.upstreamBaseUrl);

  it('serves the CapabilityStatement publicly, describing the facade and not the upstream', async () => {
    const res = await stack.fetch('metadata');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const text = await res.text();
    expectNoUpstreamUrl(text);
    const cs = JSON.parse(text) as CapabilityStatement;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.implementation?.url).toBe(stack.fhirBase);
  });

  it('reads a patient with a token from the local IdP', async () => {
    const res = await stack.fetch(`Patient/${PATIENT}`, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const patient = (await res.json()) as Patient;
    expect(patient.resourceType).toBe('Patient');
    expect(patient.id).toBe(PATIENT);
  });

  it('vreads the version it just read', async () => {
    const patient = (await (await stack.fetch(`Patient/${PATIENT}`, { token })).json()) as Patient;
    const versionId = patient.meta?.versionId;
    expect(versionId).toBeTruthy();
    const res = await stack.fetch(`Patient/${PATIENT}/_history/${versionId}`, { token });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Patient).meta?.versionId).toBe(versionId);
  });

  it('searches, and every link and fullUrl points at the facade', async () => {
    const res = await stack.fetch(`Observation?patient=${PATIENT}&_count=3`, { token });
    expect(res.status).toBe(200);
    const text = await res.text();
    expectNoUpstreamUrl(text);
    const bundle = JSON.parse(text) as Bundle;
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry?.length).toBeGreaterThan(0);
    for (const entry of bundle.entry ?? []) expect(entry.fullUrl?.startsWith(`${stack.fhirBase}/`)).toBe(true);
    expect(bundle.link?.length).toBeGreaterThan(0);
    for (const link of bundle.link ?? []) expect(link.url.startsWith(stack.fhirBase)).toBe(true);
  });

  it('follows a next link through the facade', async () => {
    const first = (await (await stack.fetch(`Observation?patient=${PATIENT}&_count=2`, { token })).json()) as Bundle;
    const next = first.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBeDefined();
    const res = await fetch(next!, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const page = (await res.json()) as Bundle;
    expect(page.entry?.length).toBeGreaterThan(0);
    expect(page.entry![0]!.resource!.id).not.toBe(first.entry![0]!.resource!.id);
  });

  it('searches with POST _search and a form body', async () => {
    const res = await stack.fetch('Observation/_search', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `patient=${PATIENT}&_count=2`,
    });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as Bundle;
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry?.every((e) => (e.resource as { subject?: { reference?: string } }).subject?.reference === `Patient/${PATIENT}`)).toBe(true);
  });

  it('returns instance and type history', async () => {
    const instance = await stack.fetch(`Patient/${PATIENT}/_history`, { token });
    expect(instance.status).toBe(200);
    const bundle = (await instance.json()) as Bundle;
    expect(bundle.type).toBe('history');
    // Type history cannot be narrowed to one patient: a backend service (system scope) may read it.
    const system = await stack.testIssuer.sign({
      iss: stack.testIssuer.issuer,
      aud: stack.fhirBase,
      sub: 'backend',
      client_id: 'backend',
      scope: 'system/Patient.rs',
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    const type = await stack.fetch(`Patient/_history?_count=1`, { token: system });
    expect(type.status).toBe(200);
    expectNoUpstreamUrl(await type.text());
  });

  it('echoes a well-formed x-request-id and generates one otherwise', async () => {
    const given = await stack.fetch(`Patient/${PATIENT}`, { token, headers: { 'x-request-id': 'req-abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('req-abc-123');
    const generated = await stack.fetch(`Patient/${PATIENT}`, { token, headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers liveness and readiness', async () => {
    expect((await stack.fetch('/health/live')).status).toBe(200);
    const ready = await stack.fetch('/health/ready');
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { status: string }).status).toBe('ok');
  });
});

describe('bad input is refused with an OperationOutcome, never a 500, never echoing the input', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack();
    token = await stack.token(`Patient/${PATIENT}`, SCOPE);
  });
  afterAll(() => stack?.close());

  async function expectOutcome(res: Response, status: number, mustNotContain?: string): Promise<OperationOutcome> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const text = await res.text();
    if (mustNotContain) expect(text).not.toContain(mustNotContain);
    expect(text).not.toMatch(/at .+\.(js|ts):\d+/); // no stack trace
    const outcome = JSON.parse(text) as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    return outcome;
  }

  it('refuses _format=xml with 406', async () => {
    await expectOutcome(await stack.fetch(`Patient/${PATIENT}?_format=xml`, { token }), 406);
  });

  it('refuses an XML-only Accept with 406', async () => {
    await expectOutcome(await stack.fetch(`Patient/${PATIENT}`, { token, headers: { accept: 'application/fhir+xml' } }), 406);
  });

  it('refuses an XML body with 415', async () => {
    const res = await stack.fetch('Observation/_search', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/fhir+xml' },
      body: '<Parameters xmlns="http://hl7.org/fhir"/>',
    });
    await expectOutcome(res, 415);
  });

  it('refuses malformed JSON with 400 without quoting it', async () => {
    const res = await stack.fetch('Observation/_search', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: '{"name": "SECRET-CANARY-JSON", ',
    });
    await expectOutcome(res, 400, 'SECRET-CANARY-JSON');
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await stack.fetch('Observation/_search', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `patient=${'x'.repeat(stack.config.bodyLimitBytes + 10)}`,
    });
    await expectOutcome(res, 413);
  });

  it('answers an unknown resource type with 404', async () => {
    await expectOutcome(await stack.fetch('CANARYTYPE/1', { token }), 404, 'CANARYTYPE');
  });

  it('answers an id outside the FHIR id grammar with 400, without echoing it', async () => {
    await expectOutcome(await stack.fetch(`Patient/${'CANARYID'.repeat(9)}`, { token }), 400, 'CANARYID');
    await expectOutcome(await stack.fetch('Patient/CANARY_ID', { token }), 400, 'CANARY_ID');
  });

  it('answers a missing resource with the upstream 404', async () => {
    await expectOutcome(await stack.fetch('Observation/does-not-exist', { token }), 404);
  });

  it('answers an unknown route with 404', async () => {
    await expectOutcome(await stack.fetch('/fhir/Patient/a/b/c/d/e', { token }), 404);
  });
});
