/**
 * A patient's token never returns another patient's data, by any route.
 *
 * pat-001 (the caller, with every patient scope) tries, in as many ways as we could think of, to read, find,
 * include, chain to, batch, write over or take over pat-002's data. Each attempt is checked on the wire:
 * the response must not carry pat-002's id, any of pat-002's resource ids, SSN or MRN. A system token
 * (the oracle) first proves that the data exists, so the refusals are not vacuous; afterwards it proves
 * that none of the write attempts changed pat-002's data.
 */
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSandbox } from '../../src/sandbox/index.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const ME = 'pat-001';
const OTHER = 'pat-002';
const other = describeSandbox().patients.find((p) => p.id === OTHER)!;
const OTHER_MARKERS = [OTHER, 'obs-002-', 'enc-002-', 'cond-002-', 'medrx-002-', 'doc-002-', 'allergy-002-', 'imm-002-', other.ssn, other.ssnFormatted, other.mrn];
const OBS_OTHER = 'obs-002-hr-1';
const OBS_MINE = 'obs-001-hr-1';

type Attempt = { name: string; path: string; init?: RequestInit };

const json = (body: unknown): RequestInit => ({
  headers: { 'content-type': 'application/fhir+json' },
  body: JSON.stringify(body),
});
const observationFor = (patient: string, id?: string): Observation => ({
  resourceType: 'Observation',
  ...(id ? { id } : {}),
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: `Patient/${patient}` },
  valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
});

const READ_ATTEMPTS: Attempt[] = [
  { name: 'read the other Patient', path: `Patient/${OTHER}` },
  { name: 'vread the other Patient', path: `Patient/${OTHER}/_history/1` },
  { name: 'instance history of the other Patient', path: `Patient/${OTHER}/_history` },
  { name: "read the other patient's Observation", path: `Observation/${OBS_OTHER}` },
  { name: "vread the other patient's Observation", path: `Observation/${OBS_OTHER}/_history/1` },
  { name: "history of the other patient's Observation", path: `Observation/${OBS_OTHER}/_history` },
  { name: 'search Observation by patient=other', path: `Observation?patient=${OTHER}` },
  { name: 'search Observation by subject=Patient/other', path: `Observation?subject=Patient/${OTHER}` },
  { name: 'search Observation by bare subject id', path: `Observation?subject=${OTHER}` },
  { name: 'search with both patients in one OR list', path: `Observation?patient=${ME},${OTHER}` },
  { name: 'search with the patient parameter repeated', path: `Observation?patient=${ME}&patient=${OTHER}` },
  { name: 'search Patient by _id=other', path: `Patient?_id=${OTHER}` },
  { name: "search Observation by the other's resource _id", path: `Observation?_id=${OBS_OTHER}` },
  { name: 'search Encounter by the other patient', path: `Encounter?patient=${OTHER}` },
  { name: 'search DocumentReference by the other patient', path: `DocumentReference?patient=${OTHER}` },
  { name: 'compartment search Patient/other/Observation', path: `Patient/${OTHER}/Observation` },
  { name: '$everything on the other Patient', path: `Patient/${OTHER}/$everything` },
  { name: '_revinclude from a shared Practitioner', path: `Practitioner?_id=prac-01&_revinclude=Encounter:participant` },
  { name: '_include:iterate through a shared Practitioner', path: `Encounter?patient=${ME}&_include=Encounter:participant&_revinclude:iterate=Encounter:participant` },
  { name: '_revinclude of Observations on own Patient search plus the other id', path: `Patient?_id=${ME},${OTHER}&_revinclude=Observation:subject` },
  { name: '_has reverse chain', path: `Patient?_has:Observation:patient:code=8867-4` },
  { name: 'chained search through subject', path: `Observation?subject:Patient.family=${encodeURIComponent(other.family)}` },
  { name: 'chained search on patient identifier', path: `Observation?patient.identifier=${other.mrn}` },
  { name: 'search Patient by the other identifier', path: `Patient?identifier=${other.mrn}` },
  { name: 'search Patient by the other name', path: `Patient?family=${encodeURIComponent(other.family)}` },
  { name: 'system-wide search', path: `?_type=Observation` },
  { name: 'system history', path: `_history` },
  { name: 'type history of Observation', path: `Observation/_history` },
  { name: "CareTeam of the other patient by id", path: `CareTeam?_id=${other.careTeamId ?? 'care-team-002'}` },
  { name: 'POST _search naming the other patient', path: 'Observation/_search', init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `patient=${OTHER}` } },
  { name: 'POST _search with own patient in the URL and the other in the body', path: `Observation/_search?patient=${ME}`, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `patient=${OTHER}` } },
  { name: 'batch reading the other Patient and searching their data', path: '', init: { method: 'POST', ...json({ resourceType: 'Bundle', type: 'batch', entry: [
    { request: { method: 'GET', url: `Patient/${OTHER}` } },
    { request: { method: 'GET', url: `Observation?patient=${OTHER}` } },
    { request: { method: 'GET', url: `Observation/${OBS_OTHER}` } },
  ] }) } },
  { name: 'transaction reading the other Patient', path: '', init: { method: 'POST', ...json({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: `Patient/${OTHER}` } }] }) } },
  { name: 'break-glass header without the role', path: `Observation?patient=${OTHER}`, init: { headers: { 'x-break-glass-reason': 'emergency' } } },
  { name: "read of the other's canary document", path: `DocumentReference/${other.ssnCanaryDocumentId ?? 'doc-002-1'}` },
];

const WRITE_ATTEMPTS: Attempt[] = [
  { name: 'create an Observation for the other patient', path: 'Observation', init: { method: 'POST', ...json(observationFor(OTHER)) } },
  { name: "update the other's Observation into my compartment (take-over)", path: `Observation/${OBS_OTHER}`, init: { method: 'PUT', ...json(observationFor(ME, OBS_OTHER)) } },
  { name: "update the other's Observation in place", path: `Observation/${OBS_OTHER}`, init: { method: 'PUT', ...json(observationFor(OTHER, OBS_OTHER)) } },
  { name: 'update my Observation to move it to the other patient', path: `Observation/${OBS_MINE}`, init: { method: 'PUT', ...json(observationFor(OTHER, OBS_MINE)) } },
  { name: 'patch my Observation subject to the other patient', path: `Observation/${OBS_MINE}`, init: { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'replace', path: '/subject/reference', value: `Patient/${OTHER}` }]) } },
  { name: "patch the other's Observation", path: `Observation/${OBS_OTHER}`, init: { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'replace', path: '/status', value: 'entered-in-error' }]) } },
  { name: "conditional update matching the other's Observation", path: `Observation?_id=${OBS_OTHER}`, init: { method: 'PUT', ...json(observationFor(ME)) } },
  { name: "delete the other's Observation", path: `Observation/${OBS_OTHER}`, init: { method: 'DELETE' } },
  { name: 'transaction creating an Observation for the other patient', path: '', init: { method: 'POST', ...json({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: observationFor(OTHER), request: { method: 'POST', url: 'Observation' } }] }) } },
  { name: "batch deleting the other's Observation", path: '', init: { method: 'POST', ...json({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'DELETE', url: `Observation/${OBS_OTHER}` } }] }) } },
];

describe(`a patient token (${ME}) never returns another patient's data`, () => {
  let stack: TestStack;
  let token: string;
  let oracle: string;
  let otherObservationsBefore: string;

  beforeAll(async () => {
    stack = await startTestStack();
    token = await stack.token(`Patient/${ME}`, 'openid fhirUser launch/patient patient/*.cruds');
    oracle = await stack.systemToken();
    otherObservationsBefore = await (await stack.fetch(`Observation?patient=${OTHER}&_count=200`, { token: oracle })).text();
  });
  afterAll(() => stack?.close());

  it('the other patient and their data exist (the oracle sees them), so refusals are not vacuous', async () => {
    expect((await stack.fetch(`Patient/${OTHER}`, { token: oracle })).status).toBe(200);
    expect((await stack.fetch(`Observation/${OBS_OTHER}`, { token: oracle })).status).toBe(200);
    expect(otherObservationsBefore).toContain(OBS_OTHER);
    expect((await stack.fetch(`Observation/${OBS_MINE}`, { token })).status).toBe(200);
  });

  it('has at least 30 distinct attempts', () => {
    expect(new Set([...READ_ATTEMPTS, ...WRITE_ATTEMPTS].map((a) => a.name)).size).toBeGreaterThanOrEqual(30);
  });

  for (const attempt of [...READ_ATTEMPTS, ...WRITE_ATTEMPTS]) {
    it(`${attempt.name}: nothing of the other patient comes back`, async () => {
      const res = await stack.fetch(attempt.path, { ...attempt.init, token });
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).not.toBeGreaterThanOrEqual(500);
      // Bundle links may echo the caller's own query (a self link); anything else must not carry the other patient.
      const sent = `${attempt.path} ${String(attempt.init?.body ?? '')}`;
      const body = text ? (JSON.parse(text) as Bundle) : undefined;
      const links = (body?.link ?? []).map((l) => l.url).join(' ');
      if (body?.link) delete body.link;
      const rest = JSON.stringify(body ?? '');
      for (const marker of OTHER_MARKERS) {
        expect(rest, `${attempt.name} leaked ${marker.slice(0, 8)}`).not.toContain(marker);
        if (!sent.includes(marker)) expect(links).not.toContain(marker);
      }
      for (const [, value] of res.headers) for (const marker of OTHER_MARKERS) expect(value).not.toContain(marker);
      if (res.status === 200 && body) {
        if (body.resourceType === 'Bundle' && typeof body.total === 'number' && body.type === 'searchset') {
          expect(body.total).toBe((body.entry ?? []).filter((e) => e.search?.mode !== 'include').length);
        }
      }
    });
  }

  it("none of the write attempts changed the other patient's data", async () => {
    const after = await (await stack.fetch(`Observation?patient=${OTHER}&_count=200`, { token: oracle })).text();
    const ids = (t: string) => ((JSON.parse(t) as Bundle).entry ?? []).map((e) => `${e.resource!.id}@${e.resource!.meta?.versionId}`).sort();
    expect(ids(after)).toEqual(ids(otherObservationsBefore));
    const mine = (await (await stack.fetch(`Observation/${OBS_MINE}`, { token: oracle })).json()) as Observation;
    expect(mine.subject?.reference).toBe(`Patient/${ME}`);
  });

  it('a contained Patient never travels with my own resource', async () => {
    const withContained = {
      ...observationFor(ME),
      contained: [{ resourceType: 'Patient', id: 'p1', name: [{ family: other.family }], identifier: [{ value: other.mrn }] }],
      performer: [{ reference: '#p1' }],
    };
    const created = await stack.fetch('Observation', { method: 'POST', ...json(withContained), token, headers: { 'content-type': 'application/fhir+json', prefer: 'return=representation' } });
    const createdText = await created.text();
    expect(created.status, createdText.slice(0, 300)).toBe(201);
    expect(createdText).not.toContain(other.mrn);
    const id = (JSON.parse(createdText) as Observation).id!;
    const read = await (await stack.fetch(`Observation/${id}`, { token })).text();
    expect(read).not.toContain(other.mrn);
    expect(read).not.toContain('"resourceType":"Patient"');
  });
});
