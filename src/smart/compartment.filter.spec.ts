import type { Bundle, BundleEntry, Condition, MedicationRequest, Observation, Patient, Practitioner, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { authorizeRequest } from './authorization.policy.js';
import type { AllowDecision } from './authorization.types.js';
import { filterVisible } from './compartment.filter.js';
import { interactionFromRequest } from './fhir-interaction.parser.js';

const ME = 'me';
const OTHER = 'other';

function principal(scopes: string[], overrides: Partial<Principal> = {}): Principal {
  return { issuer: 'i', subject: 's', clientId: 'c', kind: 'patient', fhirUser: `Patient/${ME}`, patient: ME, scopes, roles: [], expiresAt: 2e9, ...overrides };
}

function decisionFor(p: Principal, method: string, url: string, body?: unknown): AllowDecision {
  const d = authorizeRequest(p, interactionFromRequest(method, url, body)!);
  if (d.verdict !== 'allow') throw new Error(`denied by ${d.rule}`);
  return d;
}

const obs = (id: string, subject: string, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text: 'x' },
  subject: { reference: subject },
  ...extra,
});
const pat = (id: string): Patient => ({ resourceType: 'Patient', id });
const prac: Practitioner = { resourceType: 'Practitioner', id: 'doc-1' };
const match = (resource: Resource): BundleEntry => ({ resource, search: { mode: 'match' } });
const include = (resource: Resource): BundleEntry => ({ resource, search: { mode: 'include' } });
const ids = (b: Bundle | null): string[] => (b?.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);

const reader = principal(['patient/*.rs']);
const search = decisionFor(reader, 'GET', 'Observation');

describe('a search Bundle on the way out', () => {
  it('keeps only entries in the patient’s compartment', () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: 3, entry: [match(obs('a', `Patient/${ME}`)), match(obs('b', `Patient/${OTHER}`)), match(obs('c', `Patient/${ME}`))] };
    const out = filterVisible(bundle, reader, search);
    expect(ids(out)).toEqual(['Observation/a', 'Observation/c']);
    expect(out?.total).toBe(2);
  });

  it('removes _include and _revinclude results of other patients, keeps one’s own', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [match(obs('a', `Patient/${ME}`)), include(pat(OTHER)), include(pat(ME)), include({ resourceType: 'Condition', id: 'c9', subject: { reference: `Patient/${OTHER}` } } as Condition)],
    };
    expect(ids(filterVisible(bundle, reader, search))).toEqual(['Observation/a', 'Patient/me']);
  });

  it('removes OperationOutcome entries and entries without a resource', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [match(obs('a', `Patient/${ME}`)), { resource: { resourceType: 'OperationOutcome', issue: [] }, search: { mode: 'outcome' } }, { fullUrl: 'x' }],
    };
    expect(ids(filterVisible(bundle, reader, search))).toEqual(['Observation/a']);
  });

  it('drops total on a paged Bundle that lost entries (it cannot be recounted)', () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: 50, link: [{ relation: 'next', url: 'n' }], entry: [match(obs('b', `Patient/${OTHER}`))] };
    const out = filterVisible(bundle, reader, search);
    expect(out?.total).toBeUndefined();
    expect(out?.entry).toBeUndefined();
  });

  it('keeps total when nothing was removed', () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: 50, link: [{ relation: 'next', url: 'n' }], entry: [match(obs('a', `Patient/${ME}`))] };
    expect(filterVisible(bundle, reader, search)?.total).toBe(50);
  });

  it('shows reference data only with a scope for its type', () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [match(obs('a', `Patient/${ME}`)), include(prac)] };
    expect(ids(filterVisible(bundle, reader, search))).toEqual(['Observation/a', 'Practitioner/doc-1']);
    const narrow = principal(['patient/Observation.rs']);
    expect(ids(filterVisible(bundle, narrow, decisionFor(narrow, 'GET', 'Observation')))).toEqual(['Observation/a']);
  });

  it('hides types outside the compartment that are not configured reference data', () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [match(obs('a', `Patient/${ME}`)), include({ resourceType: 'Device', id: 'd1' })] };
    expect(ids(filterVisible(bundle, reader, search))).toEqual(['Observation/a']);
  });

  it('filters by granular scope queries', () => {
    const lab = principal(['patient/Observation.rs?category=laboratory', 'patient/Observation.rs?code=8867-4']);
    const d = decisionFor(lab, 'GET', 'Observation');
    const labObs = obs('lab', `Patient/${ME}`, { category: [{ coding: [{ code: 'laboratory' }] }] });
    const hr = obs('hr', `Patient/${ME}`, { code: { coding: [{ code: '8867-4' }] } });
    const other = obs('vs', `Patient/${ME}`, { category: [{ coding: [{ code: 'vital-signs' }] }] });
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [match(labObs), match(hr), match(other)] };
    expect(ids(filterVisible(bundle, lab, d))).toEqual(['Observation/lab', 'Observation/hr']);
  });

  it('never mutates the Bundle it was given', () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: 2, entry: [match(obs('a', `Patient/${ME}`)), match(obs('b', `Patient/${OTHER}`))] };
    const copy = structuredClone(bundle);
    filterVisible(bundle, reader, search);
    expect(bundle).toEqual(copy);
  });
});

describe('a single resource on the way out', () => {
  const read = decisionFor(reader, 'GET', 'Observation/a');

  it('another patient’s Observation is not returned (the caller answers 404)', () => {
    expect(filterVisible(obs('b', `Patient/${OTHER}`), reader, read)).toBeNull();
  });

  it('one’s own Observation is returned', () => {
    expect(filterVisible(obs('a', `Patient/${ME}`), reader, read)?.id).toBe('a');
  });

  it('a granular read returns only a resource matching the scope query', () => {
    const lab = principal(['patient/Observation.rs?category=laboratory']);
    const d = decisionFor(lab, 'GET', 'Observation/a');
    expect(filterVisible(obs('a', `Patient/${ME}`), lab, d)).toBeNull();
    expect(filterVisible(obs('a', `Patient/${ME}`, { category: [{ coding: [{ code: 'laboratory' }] }] }), lab, d)).not.toBeNull();
  });

  it('strips contained resources of other patients and contained Patients, keeps contained reference data', () => {
    const mr: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: 'mr1',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${ME}` },
      medicationReference: { reference: '#med' },
      contained: [
        { resourceType: 'Medication', id: 'med' },
        { resourceType: 'Patient', id: 'someone' },
        obs('c-other', `Patient/${OTHER}`),
        obs('c-mine', `Patient/${ME}`),
      ] as MedicationRequest['contained'],
    };
    const out = filterVisible(mr, reader, decisionFor(reader, 'GET', 'MedicationRequest/mr1'));
    expect(out?.contained?.map((c) => c.id)).toEqual(['med', 'c-mine']);
    expect(mr.contained).toHaveLength(4);
  });

  it('a backend service sees every patient within its types', () => {
    const backend = principal(['system/Observation.rs'], { kind: 'system', fhirUser: undefined, patient: undefined });
    const d = decisionFor(backend, 'GET', 'Observation/b');
    expect(filterVisible(obs('b', `Patient/${OTHER}`), backend, d)).not.toBeNull();
    expect(filterVisible({ resourceType: 'Condition', id: 'c' } as Condition, backend, d)).toBeNull();
  });
});

describe('history, $everything and batch responses', () => {
  it('a history Bundle keeps only the patient’s versions and drops deletions it cannot check', () => {
    const d = decisionFor(reader, 'GET', 'Observation/a/_history');
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'history',
      total: 3,
      entry: [{ resource: obs('a', `Patient/${ME}`) }, { resource: obs('a', `Patient/${OTHER}`) }, { request: { method: 'DELETE', url: 'Observation/a' } }],
    };
    const out = filterVisible(bundle, reader, d);
    expect(out?.entry).toHaveLength(1);
    expect(out?.total).toBe(1);
  });

  it('$everything returns nothing of another patient', () => {
    const d = decisionFor(reader, 'GET', `Patient/${ME}/$everything`);
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [match(pat(ME)), match(pat(OTHER)), match(obs('x', `Patient/${OTHER}`)), match(obs('y', `Patient/${ME}`))] };
    expect(ids(filterVisible(bundle, reader, d))).toEqual(['Patient/me', 'Observation/y']);
  });

  it('a batch response keeps positions, hides other patients’ resources and filters nested search Bundles', () => {
    const request: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Observation/a' } },
        { request: { method: 'GET', url: 'Observation/b' } },
        { request: { method: 'GET', url: 'Observation?code=x' } },
        { request: { method: 'GET', url: `Observation?patient=${OTHER}` } },
      ],
    };
    const d = decisionFor(reader, 'POST', '', request);
    const response: Bundle = {
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [
        { resource: obs('a', `Patient/${ME}`), response: { status: '200 OK' } },
        { resource: obs('b', `Patient/${OTHER}`), response: { status: '200 OK' } },
        { resource: { resourceType: 'Bundle', type: 'searchset', total: 2, entry: [match(obs('c', `Patient/${ME}`)), match(obs('d', `Patient/${OTHER}`))] }, response: { status: '200 OK' } },
        { resource: obs('e', `Patient/${OTHER}`), response: { status: '200 OK' } },
      ],
    };
    const out = filterVisible(response, reader, d);
    expect(out?.entry).toHaveLength(4);
    expect(out?.entry?.[0]?.resource?.id).toBe('a');
    expect(out?.entry?.[1]).toEqual({ response: expect.objectContaining({ status: '404 Not Found' }) });
    expect(ids(out?.entry?.[2]?.resource as Bundle)).toEqual(['Observation/c']);
    expect((out?.entry?.[2]?.resource as Bundle).total).toBe(1);
    expect(out?.entry?.[3]?.resource).toBeUndefined();
  });
});
