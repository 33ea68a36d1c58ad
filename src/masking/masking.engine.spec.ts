import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { MaskingEngine } from './masking.engine.js';
import { loadMaskingPolicy } from './masking-policy.loader.js';

const SSN_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const key = Buffer.from('test-hmac-key-0123456789abcdef');
const policy = loadMaskingPolicy();
const engine = new MaskingEngine(policy, () => key);

function principal(kind: Principal['kind'], extra: Partial<Principal> = {}): Principal {
  const firstParty = kind === 'patient' ? 'patient-portal' : kind === 'practitioner' ? 'provider-dashboard' : 'provider-dashboard';
  return { issuer: 'https://idp.test', subject: 'sub', clientId: firstParty, kind, scopes: [], roles: [], expiresAt: 0, ...extra };
}
const callers = {
  patient: principal('patient', { patient: 'pat-1', fhirUser: 'Patient/pat-1' }),
  practitioner: principal('practitioner', { fhirUser: 'Practitioner/prac-1' }),
  thirdParty: principal('practitioner', { clientId: 'some-smart-app' }),
  thirdPartyWithSsnRead: principal('practitioner', { clientId: 'some-smart-app', roles: ['ssn-read'] }),
  system: principal('system', { clientId: 'billing-backend' }),
  firstPartySystem: principal('system'),
  ssnRead: principal('practitioner', { roles: ['ssn-read'] }),
};

function patient(ssn = '123-45-6789') {
  return {
    resourceType: 'Patient',
    id: 'pat-1',
    text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">Jane Roe, SSN ${ssn}</div>` },
    identifier: [
      { system: 'urn:oid:1.2.36.146.595.217.0.1', value: 'MRN-7' },
      { system: SSN_SYSTEM, value: ssn },
    ],
    name: [{ family: 'Roe', given: ['Jane'] }],
  };
}

const ssnIdentifiers = (resource: { identifier?: { system?: string; value?: string }[] }) =>
  (resource.identifier ?? []).filter((i) => i.system === SSN_SYSTEM);

describe('MaskingEngine with the default policy', () => {
  it('shows the patient themself only the last 4 digits, in the identifier and in the narrative', () => {
    const { body, ssnsMasked, fullSsnDisclosed } = engine.mask(patient(), callers.patient);
    expect(ssnIdentifiers(body)).toEqual([{ system: SSN_SYSTEM, value: '***-**-6789' }]);
    expect(body.text.div).toContain('SSN ***-**-6789');
    expect(JSON.stringify(body)).not.toMatch(/123-45|12345/);
    expect(ssnsMasked).toBe(2);
    expect(fullSsnDisclosed).toBe(false);
  });

  it('shows a practitioner in a first-party app only the last 4 digits', () => {
    const { body } = engine.mask(patient(), callers.practitioner);
    expect(ssnIdentifiers(body)[0]?.value).toBe('***-**-6789');
    expect(body.identifier).toHaveLength(2);
  });

  it('gives a third-party SMART app no SSN identifier at all and [REDACTED] in text', () => {
    const { body, rulesApplied } = engine.mask(patient(), callers.thirdParty);
    expect(ssnIdentifiers(body)).toEqual([]);
    expect(body.identifier).toEqual([{ system: 'urn:oid:1.2.36.146.595.217.0.1', value: 'MRN-7' }]);
    expect(body.text.div).toContain('SSN [REDACTED]');
    expect(JSON.stringify(body)).not.toContain('6789');
    expect(rulesApplied).toContain('ssn-remove-third-party');
  });

  it('never gives a third-party app the full SSN, even when its user holds ssn-read', () => {
    const { body, fullSsnDisclosed } = engine.mask(patient(), callers.thirdPartyWithSsnRead);
    expect(ssnIdentifiers(body)).toEqual([]);
    expect(fullSsnDisclosed).toBe(false);
  });

  it('gives a backend (system) client no SSN identifier, first-party or not', () => {
    for (const caller of [callers.system, callers.firstPartySystem]) {
      const { body } = engine.mask(patient(), caller);
      expect(ssnIdentifiers(body)).toEqual([]);
      expect(JSON.stringify(body)).not.toContain('6789');
    }
  });

  it('shows the full SSN to a principal with the ssn-read role and reports the disclosure for audit', () => {
    const { body, fullSsnDisclosed, ssnsDisclosed, ssnsMasked, rulesApplied } = engine.mask(patient(), callers.ssnRead);
    expect(ssnIdentifiers(body)[0]?.value).toBe('123-45-6789');
    expect(body.text.div).toContain('SSN 123-45-6789');
    expect(fullSsnDisclosed).toBe(true);
    expect(ssnsDisclosed).toBe(2);
    expect(ssnsMasked).toBe(0);
    expect(rulesApplied).toEqual(['ssn-full-for-ssn-read']);
  });

  it('recognises an SSN identifier by its v2-0203 type SB when the system is something else', () => {
    const resource = {
      resourceType: 'Patient',
      identifier: [{ type: { coding: [{ system: V2_0203, code: 'SB' }] }, system: 'urn:oid:2.16.840.1.113883.4.1', value: '987654321' }],
      note: 'see 987 65 4321',
    };
    const { body } = engine.mask(resource, callers.patient);
    expect(body.identifier[0]?.value).toBe('***-**-4321');
    expect(body.note).toBe('see ***-**-4321');
  });

  it('leaves a body without identifiers or strings alone (partial _elements resources do not crash)', () => {
    const partial = { resourceType: 'Patient', id: 'p', meta: { tag: [{ code: 'SUBSETTED' }] } };
    expect(engine.mask(structuredClone(partial), callers.patient).body).toEqual(partial);
    expect(engine.mask({ resourceType: 'Patient' }, callers.thirdParty).ssnsMasked).toBe(0);
  });

  it('masks an SSN carried by a Reference.identifier that no rule selector reaches', () => {
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      subject: { display: 'Jane', identifier: { system: SSN_SYSTEM, value: '123-45-6789' } },
    };
    expect(engine.mask(structuredClone(observation), callers.patient).body.subject.identifier.value).toBe('***-**-6789');
    const removed = engine.mask(structuredClone(observation), callers.thirdParty).body;
    expect(removed.subject).toEqual({ display: 'Jane' });
  });
});
