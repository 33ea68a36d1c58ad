/**
 * Canary: no seeded SSN ever leaves the facade, in any format, except where the masking policy allows it.
 *
 * Every FHIR route shape (reads, searches, _include/_revinclude, contained, history, batch, transaction,
 * $everything, _summary/_elements, writes with return=representation, upstream errors) and every GET route
 * under /bff is crawled as each kind of caller: the patient, a practitioner, a practitioner under
 * break-glass, a backend service, a third-party SMART app. Bodies (base64 text attachments decoded),
 * headers and every log line are searched for each SSN as 123-45-6789, 123456789 and 123 45 6789.
 * The full SSN must appear exactly where the policy allows it: a practitioner with the ssn-read role.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSandbox } from '../../src/sandbox/index.js';
import { obtainBackendToken } from '../../src/sandbox/token-flow.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const patients = describeSandbox().patients;
const forms = (ssn: string) => [ssn, `${ssn.slice(0, 3)}-${ssn.slice(3, 5)}-${ssn.slice(5)}`, `${ssn.slice(0, 3)} ${ssn.slice(3, 5)} ${ssn.slice(5)}`];
const ALL_FORMS = patients.flatMap((p) => forms(p.ssn));

/** The text of a response as a reader would see it, with base64 text attachments decoded. */
function readable(text: string): string {
  const decoded: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.data === 'string' && typeof o.contentType === 'string' && o.contentType.startsWith('text/')) {
      decoded.push(Buffer.from(o.data, 'base64').toString('utf8'));
    }
    Object.values(o).forEach(visit);
  };
  try {
    visit(JSON.parse(text));
  } catch {
    /* not JSON */
  }
  return `${text}\n${decoded.join('\n')}`;
}

const leaks = (text: string) => ALL_FORMS.filter((f) => text.includes(f));

/** True when `form` occurs in the response only inside Bundle.link URLs (an echo of the caller's query). */
function linksOnly(text: string, form: string): boolean {
  try {
    const body = JSON.parse(text) as { link?: unknown };
    delete body.link;
    return !readable(JSON.stringify(body)).includes(form);
  } catch {
    return false;
  }
}

type Caller = { name: string; token: () => Promise<string>; headers?: Record<string, string>; patient: string };

describe('SSN canary', () => {
  const logs: string[] = [];
  let stack: TestStack;
  let callers: Caller[];
  const crawled: string[] = [];

  beforeAll(async () => {
    // First app of this process: its log destination is the one nestjs-pino keeps.
    stack = await startTestStack({ logLines: logs });
    const key = stack.idp.backendClientKey;
    callers = [
      { name: 'patient', patient: 'pat-001', token: () => stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.cruds', undefined, 'patient-portal') },
      { name: 'practitioner', patient: 'pat-004', token: () => stack.token('Practitioner/prac-01', 'openid fhirUser user/*.cruds', undefined, 'provider-dashboard') },
      {
        name: 'break-glass practitioner',
        patient: 'pat-028',
        token: () => stack.token('Practitioner/prac-01', 'openid fhirUser user/*.rs', undefined, 'provider-dashboard'),
        headers: { 'x-break-glass-reason': 'canary emergency access' },
      },
      {
        name: 'backend service',
        patient: 'pat-007',
        token: async () =>
          (await obtainBackendToken({ issuer: stack.idp.issuer, clientId: key.clientId, privateKey: key.privateKey, kid: key.kid, scope: 'system/*.rs' })).access_token,
      },
      { name: 'third-party app', patient: 'pat-001', token: () => stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs', undefined, 'smart-app') },
    ];
  });
  afterAll(() => stack?.close());

  function paths(p: string): { path: string; init?: RequestInit }[] {
    const json = (body: unknown, method = 'POST'): RequestInit => ({ method, headers: { 'content-type': 'application/fhir+json', prefer: 'return=representation' }, body: JSON.stringify(body) });
    return [
      { path: `Patient/${p}` },
      { path: `Patient/${p}?_summary=true` },
      { path: `Patient/${p}?_elements=identifier,text` },
      { path: `Patient?_id=${p}` },
      { path: `Patient/${p}/_history` },
      { path: `Patient/${p}/_history/1` },
      { path: `Patient/${p}/$everything` },
      { path: `Observation?patient=${p}&_include=Observation:subject` },
      { path: `Encounter?patient=${p}&_include=Encounter:subject` },
      { path: `Patient?_id=${p}&_revinclude=Observation:subject` },
      { path: `DocumentReference?patient=${p}` },
      { path: `Patient/${p}/DocumentReference` },
      { path: `CareTeam?patient=${p}&_include=CareTeam:subject` },
      { path: `Observation?patient=${p}&code=${patients[0]!.ssn}` }, // an SSN in the query (upstream may echo it)
      { path: `Patient?identifier=http://hl7.org/fhir/sid/us-ssn|${patients.find((x) => x.id === p)!.ssn}` },
      {
        path: '',
        init: json({
          resourceType: 'Bundle',
          type: 'batch',
          entry: [{ request: { method: 'GET', url: `Patient/${p}` } }, { request: { method: 'GET', url: `Observation?patient=${p}&_include=Observation:subject` } }],
        }),
      },
      { path: '', init: json({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: `Patient/${p}` } }] }) },
      {
        path: 'Observation',
        init: json({
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'canary' },
          subject: { reference: `Patient/${p}` },
          note: [{ text: `Patient SSN ${patients.find((x) => x.id === p)!.ssn.replace(/(\d{3})(\d{2})(\d{4})/, '$1-$2-$3')} confirmed` }],
          contained: [{ resourceType: 'Patient', id: 'c1', identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: patients.find((x) => x.id === p)!.ssn }] }],
        }),
      },
    ];
  }

  it('no SSN in any body, header or error, for any caller and any route shape', async () => {
    for (const caller of callers) {
      const token = await caller.token();
      for (const { path, init } of paths(caller.patient)) {
        const res = await stack.fetch(path, { ...init, token, headers: { ...(init?.headers as Record<string, string>), ...caller.headers } });
        const text = await res.text();
        crawled.push(`${caller.name} ${init?.method ?? 'GET'} ${path} ${res.status}`);
        expect(res.status, `${caller.name} ${path}: ${text.slice(0, 200)}`).toBeLessThan(500);
        // A value the caller itself put in the query may come back in the search's self link; nothing else may.
        const sent = `${path} ${String(init?.body ?? '')}`;
        const found = leaks(readable(text)).filter((f) => !(sent.includes(f) && linksOnly(text, f)));
        expect(found, `${caller.name} ${init?.method ?? 'GET'} ${path}`).toEqual([]);
        for (const [name, value] of res.headers) expect(leaks(value), `${caller.name} ${path} header ${name}`).toEqual([]);
      }
    }
    // The crawl reached real data, not only refusals.
    expect(crawled.filter((c) => / 200$| 201$/.test(c)).length).toBeGreaterThan(callers.length * 8);
  });

  it('no SSN in any GET route under /bff, for any caller', async () => {
    const routes = stack.app
      .getHttpAdapter()
      .getInstance()
      .printRoutes({ commonPrefix: false })
      .split('\n')
      .map((l) => /(\/bff\/\S*) \(([^)]*)\)/.exec(l.replace(/[│├└─\s]+/, '')))
      .filter((m): m is RegExpExecArray => !!m && m[2]!.includes('GET'))
      .map((m) => m[1]!);
    for (const caller of callers) {
      const token = await caller.token();
      for (const route of routes) {
        const path = route.replace(/:id\b/, caller.patient).replace(/:[A-Za-z]+/g, caller.patient);
        const res = await stack.fetch(path, { token, headers: caller.headers });
        const text = await res.text();
        crawled.push(`${caller.name} GET ${path} ${res.status}`);
        expect(res.status).toBeLessThan(500);
        expect(leaks(readable(text)), `${caller.name} ${path}`).toEqual([]);
      }
    }
  });

  it('the full SSN appears exactly where the policy allows: a practitioner with the ssn-read role', async () => {
    const token = await stack.token('Practitioner/prac-02', 'openid fhirUser user/*.rs', undefined, 'provider-dashboard');
    const p = patients.find((x) => x.id === 'pat-011')!;
    const res = await stack.fetch(`Patient/${p.id}`, { token });
    expect(res.status).toBe(200);
    const patient = (await res.json()) as Resource & { identifier?: { system?: string; value?: string }[] };
    expect(patient.identifier?.find((i) => i.system === 'http://hl7.org/fhir/sid/us-ssn')?.value).toBe(p.ssn);
    // ...and only that patient's SSN, only in that response: a search for the panel shows each patient's own.
    const bundle = (await (await stack.fetch('Patient?_count=100', { token })).json()) as Bundle;
    for (const e of bundle.entry ?? []) {
      const own = patients.find((x) => x.id === e.resource!.id)!;
      const others = ALL_FORMS.filter((f) => !forms(own.ssn).includes(f));
      expect(leaks(JSON.stringify(e.resource)).filter((f) => others.includes(f))).toEqual([]);
    }
  });

  it('the patient themself sees the last four digits only', async () => {
    const token = await callers[0]!.token();
    const p = patients.find((x) => x.id === 'pat-001')!;
    const patient = (await (await stack.fetch('Patient/pat-001', { token })).json()) as { identifier?: { system?: string; value?: string }[] };
    expect(patient.identifier?.find((i) => i.system === 'http://hl7.org/fhir/sid/us-ssn')?.value).toBe(`***-**-${p.ssn.slice(5)}`);
  });

  it('third-party apps and backend services receive no SSN identifier at all', async () => {
    for (const caller of [callers[3]!, callers[4]!]) {
      const patient = (await (await stack.fetch(`Patient/${caller.patient}`, { token: await caller.token() })).json()) as { identifier?: { system?: string }[] };
      expect(patient.identifier?.some((i) => i.system === 'http://hl7.org/fhir/sid/us-ssn')).toBe(false);
    }
  });

  it('no SSN in any log line, and the logs did record the crawl', () => {
    expect(logs.filter((l) => l.includes('request completed')).length).toBeGreaterThan(crawled.length / 2);
    const leaked = logs.filter((l) => leaks(l).length > 0);
    expect(leaked).toEqual([]);
  });
});
