import { validateResource } from '@medplum/core';
import type { Bundle, CapabilityStatement, Observation, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFhirSandbox, type FhirSandbox } from './fhir-sandbox.server.js';
import { describeSandbox } from './synthetic-data.generator.js';

let sandbox: FhirSandbox;
const summary = describeSandbox();

beforeAll(async () => {
  sandbox = await startFhirSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox?.close();
});

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

async function call<T = Resource>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const url = path.startsWith('http') ? path : `${sandbox.url}/${path}`;
  const init: RequestInit = { method, headers: { accept: 'application/fhir+json', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/fhir+json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

const ids = (b: Bundle, mode?: string) =>
  (b.entry ?? []).filter((e) => !mode || e.search?.mode === mode).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`);
const link = (b: Bundle, relation: string) => b.link?.find((l) => l.relation === relation)?.url;

describe('FHIR sandbox over HTTP: reads', () => {
  it('serves FHIR JSON at an absolute loopback base ending in /fhir/R4', () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir\/R4$/);
    expect(sandbox.port).toBeGreaterThan(0);
  });

  it('answers metadata with a valid R4 CapabilityStatement', async () => {
    const res = await call<CapabilityStatement>('GET', 'metadata');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(res.body.resourceType).toBe('CapabilityStatement');
    expect(res.body.fhirVersion).toBe('4.0.1');
    const patient = res.body.rest![0]!.resource!.find((r) => r.type === 'Patient')!;
    expect(patient.searchParam?.map((p) => p.name)).toEqual(expect.arrayContaining(['identifier', 'name', 'birthdate']));
    expect(patient.operation?.map((o) => o.name)).toContain('everything');
    expect(() => validateResource(res.body)).not.toThrow();
  });

  it('reads a seeded patient with ETag and Last-Modified, SSN and MRN as generated', async () => {
    const res = await call<Patient>('GET', 'Patient/pat-001');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.headers.get('last-modified')).toBe('Thu, 01 Jan 2026 00:00:00 GMT');
    const expected = summary.patients[0]!;
    expect(res.body.identifier?.map((i) => i.value)).toEqual(expect.arrayContaining([expected.ssn, expected.mrn]));
    expect(res.body.text?.div).toContain(expected.ssnFormatted);
  });

  it('answers an unknown id with 404 and an OperationOutcome', async () => {
    const res = await call<OperationOutcome>('GET', 'Patient/pat-999');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('serves the same seeded data, byte for byte, from a second sandbox', async () => {
    const other = await startFhirSandbox({ port: 0 });
    try {
      const path = 'Observation?subject=Patient/pat-007&_count=50';
      const a = await (await fetch(`${sandbox.url}/${path}`)).text();
      const b = await (await fetch(`${other.url}/${path}`)).text();
      expect(b.replaceAll(other.url, sandbox.url)).toBe(a);
    } finally {
      await other.close();
    }
  });

  it('answers paths outside the base with 404', async () => {
    const res = await fetch(sandbox.url.replace('/fhir/R4', '/other/Patient/pat-001'));
    expect(res.status).toBe(404);
  });

  it('vreads version 1 and 404s an unknown version', async () => {
    expect((await call<Patient>('GET', 'Patient/pat-002/_history/1')).body.id).toBe('pat-002');
    expect((await call('GET', 'Patient/pat-002/_history/42')).status).toBe(404);
  });

  it('searches with _include, every fullUrl and link absolute on the sandbox base', async () => {
    const res = await call<Bundle>('GET', 'Observation?subject=Patient/pat-001&category=laboratory&_include=Observation:subject');
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('searchset');
    expect(ids(res.body, 'match').sort()).toEqual(['Observation/obs-001-a1c', 'Observation/obs-001-glu']);
    expect(ids(res.body, 'include')).toEqual(['Patient/pat-001']);
    expect(res.body.total).toBe(2);
    for (const e of res.body.entry!) expect(e.fullUrl).toBe(`${sandbox.url}/${e.resource!.resourceType}/${e.resource!.id}`);
    expect(link(res.body, 'self')).toMatch(new RegExp(`^${sandbox.url}/Observation\\?`));
  });

  it('searches with _revinclude', async () => {
    const res = await call<Bundle>('GET', 'Patient?_id=pat-001&_revinclude=CareTeam:subject');
    expect(ids(res.body, 'match')).toEqual(['Patient/pat-001']);
    expect(ids(res.body, 'include')).toEqual(['CareTeam/care-team-001']);
  });

  it('pages searches with absolute next and previous links', async () => {
    const first = await call<Bundle>('GET', 'Observation?_count=5');
    expect(first.body.entry).toHaveLength(5);
    expect(first.body.total).toBe(240);
    const next = link(first.body, 'next')!;
    expect(next.startsWith(`${sandbox.url}/Observation?`)).toBe(true);
    const second = await call<Bundle>('GET', next);
    expect(second.body.entry).toHaveLength(5);
    expect(ids(second.body).some((id) => ids(first.body).includes(id))).toBe(false);
    expect(link(second.body, 'previous')).toMatch(/_offset=0/);
  });

  it('applies a default page size of 20', async () => {
    const res = await call<Bundle>('GET', 'Observation');
    expect(res.body.entry).toHaveLength(20);
    expect(link(res.body, 'next')).toBeDefined();
  });

  it('searches by POST _search with a form body', async () => {
    const res = await call<Bundle>('POST', 'Patient/_search', `identifier=${encodeURIComponent(summary.patients[4]!.mrn)}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(['Patient/pat-005']);
    expect(link(res.body, 'self')).toMatch(new RegExp(`^${sandbox.url}/Patient\\?.*identifier=MRN-0005`));
  });

  it('evaluates _has (reverse chaining) instead of matching nothing', async () => {
    const res = await call<Bundle>('GET', 'Patient?_has:Encounter:subject:participant=Practitioner/prac-03&_count=50');
    expect(ids(res.body).sort()).toEqual(summary.careRelationshipMap['prac-03']!.map((id) => `Patient/${id}`));
  });

  it('answers Patient/$everything with that patient\'s compartment and the resources it references only', async () => {
    const res = await call<Bundle>('GET', 'Patient/pat-001/$everything');
    expect(res.status).toBe(200);
    const all = res.body.entry!.map((e) => e.resource!);
    expect(all.map((r) => r.resourceType)).toEqual(expect.arrayContaining(['Patient', 'Observation', 'Condition', 'CareTeam', 'Practitioner', 'Organization']));
    const patients = all.filter((r) => r.resourceType === 'Patient').map((r) => r.id);
    expect(patients).toEqual(['pat-001']);
    expect(JSON.stringify(all)).not.toMatch(/Patient\/pat-0(0[2-9]|[12]\d|30)"/);
  });

  it('searches within a patient compartment: Patient/[id]/[type]', async () => {
    const res = await call<Bundle>('GET', 'Patient/pat-012/Encounter');
    expect(ids(res.body).sort()).toEqual(['Encounter/enc-012-1', 'Encounter/enc-012-2', 'Encounter/enc-012-3']);
  });

  it('supports chained search with an explicit target type', async () => {
    const family = summary.patients[2]!.family;
    const res = await call<Bundle>('GET', `Condition?subject:Patient.family=${family}`);
    expect(ids(res.body).length).toBeGreaterThan(0);
    expect(res.body.entry!.every((e) => summary.patients.find((p) => `Patient/${p.id}` === (e.resource as Observation).subject?.reference)?.family === family)).toBe(true);
  });
});

describe('FHIR sandbox over HTTP: writes', () => {
  const newPatient = (mrn: string): Patient => ({
    resourceType: 'Patient',
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5.99999.1', value: mrn }],
    name: [{ family: 'Roundtrip', given: ['Test'] }],
  });

  it('creates, reads, updates with If-Match, patches, shows history, and deletes', async () => {
    const created = await call<Patient>('POST', 'Patient', newPatient('MRN-9001'));
    expect(created.status).toBe(201);
    const id = created.body.id!;
    const v1 = created.body.meta!.versionId!;
    expect(created.headers.get('location')).toBe(`${sandbox.url}/Patient/${id}/_history/${v1}`);
    expect(created.headers.get('etag')).toBe(`W/"${v1}"`);

    expect((await call<Patient>('GET', `Patient/${id}`)).body.name?.[0]?.family).toBe('Roundtrip');

    const stale = await call('PUT', `Patient/${id}`, { ...created.body, active: true }, { 'if-match': 'W/"not-the-version"' });
    expect(stale.status).toBe(412);

    const updated = await call<Patient>('PUT', `Patient/${id}`, { ...created.body, active: true }, { 'if-match': `W/"${v1}"` });
    expect(updated.status).toBe(200);
    const v2 = updated.body.meta!.versionId!;
    expect(v2).not.toBe(v1);
    expect(updated.headers.get('location')).toBe(`${sandbox.url}/Patient/${id}/_history/${v2}`);

    const patched = await call<Patient>('PATCH', `Patient/${id}`, [{ op: 'replace', path: '/active', value: false }], {
      'content-type': 'application/json-patch+json',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.active).toBe(false);

    const history = await call<Bundle>('GET', `Patient/${id}/_history`);
    expect(history.body.type).toBe('history');
    expect(history.body.entry!.map((e) => e.request?.method)).toEqual(['PUT', 'PUT', 'POST']);
    expect(history.body.entry!.map((e) => (e.resource as Patient).active)).toEqual([false, true, undefined]);
    expect((await call<Patient>('GET', `Patient/${id}/_history/${v1}`)).body.active).toBeUndefined();

    const deleted = await call('DELETE', `Patient/${id}`);
    expect(deleted.status).toBe(200);
    expect((await call('GET', `Patient/${id}`)).status).toBe(404);
    const afterDelete = await call<Bundle>('GET', `Patient/${id}/_history`);
    expect(afterDelete.body.entry?.[0]?.request?.method).toBe('DELETE');
  });

  it('lists type-level history newest first', async () => {
    const created = await call<Patient>('POST', 'Patient', newPatient('MRN-9002'));
    const history = await call<Bundle>('GET', 'Patient/_history?_count=3');
    expect(history.status).toBe(200);
    expect(history.body.entry).toHaveLength(3);
    expect(history.body.entry![0]!.resource!.id).toBe(created.body.id);
    expect(history.body.entry![0]!.fullUrl).toBe(`${sandbox.url}/Patient/${created.body.id}`);
  });

  it('honours Prefer: return=minimal', async () => {
    const res = await fetch(`${sandbox.url}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
      body: JSON.stringify(newPatient('MRN-9003')),
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('');
    expect(res.headers.get('location')).toMatch(new RegExp(`^${sandbox.url}/Patient/[^/]+/_history/`));
  });

  it('performs a conditional update: creates on no match, updates on one match', async () => {
    const query = 'Patient?identifier=urn:oid:2.16.840.1.113883.19.5.99999.1|MRN-9004';
    const first = await call<Patient>('PUT', query, newPatient('MRN-9004'));
    expect(first.status).toBe(201);
    const second = await call<Patient>('PUT', query, { ...newPatient('MRN-9004'), active: true });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
  });

  it('performs a conditional create with If-None-Exist', async () => {
    const first = await call<Patient>('POST', 'Patient', newPatient('MRN-9007'), { 'if-none-exist': 'identifier=MRN-9007' });
    expect(first.status).toBe(201);
    const again = await call<Patient>('POST', 'Patient', newPatient('MRN-9007'), { 'if-none-exist': 'identifier=MRN-9007' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('runs a transaction, resolving urn:uuid references, with absolute locations', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:6f1c2d8e-0000-4000-8000-000000000001', resource: newPatient('MRN-9005'), request: { method: 'POST', url: 'Patient' } },
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'note' }, subject: { reference: 'urn:uuid:6f1c2d8e-0000-4000-8000-000000000001' } },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    };
    const res = await call<Bundle>('POST', '', bundle);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    const [p, o] = res.body.entry!;
    expect(p!.response!.status).toBe('201');
    expect(p!.response!.location).toMatch(new RegExp(`^${sandbox.url}/Patient/[^/]+/_history/`));
    expect(p!.fullUrl).toMatch(new RegExp(`^${sandbox.url}/Patient/`));
    expect((o!.resource as Observation).subject?.reference).toBe(`Patient/${p!.resource!.id}`);
  });

  it('rolls a failing transaction back entirely', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: newPatient('MRN-9006'), request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', id: 'pat-001' }, request: { method: 'PUT', url: 'Patient/pat-001', ifMatch: 'W/"999"' } },
      ],
    };
    const res = await call<OperationOutcome>('POST', '', bundle);
    expect(res.status).toBeGreaterThanOrEqual(400);
    const after = await call<Bundle>('GET', 'Patient?identifier=MRN-9006');
    expect(after.body.total).toBe(0);
    expect((await call<Patient>('GET', 'Patient/pat-001')).body.name).toBeDefined();
  });

  it('runs a batch entry by entry', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: 'Patient/pat-003' } }, { request: { method: 'GET', url: 'Patient/pat-999' } }],
    };
    const res = await call<Bundle>('POST', '', bundle);
    expect(res.body.type).toBe('batch-response');
    expect(res.body.entry!.map((e) => e.response?.status)).toEqual(['200', '404']);
    expect(res.body.entry![0]!.fullUrl).toBe(`${sandbox.url}/Patient/pat-003`);
  });

  it('answers malformed JSON with 400 and a non-JSON body with 415', async () => {
    const bad = await call<OperationOutcome>('POST', 'Patient', '{"resourceType":', { 'content-type': 'application/fhir+json' });
    expect(bad.status).toBe(400);
    expect(bad.body.resourceType).toBe('OperationOutcome');
    const xml = await call<OperationOutcome>('POST', 'Patient', '<Patient/>', { 'content-type': 'application/fhir+xml' });
    expect(xml.status).toBe(415);
  });
});
