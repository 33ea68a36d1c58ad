import { validateResource } from '@medplum/core';
import type {
  CareTeam,
  DocumentReference,
  Encounter,
  Identifier,
  Observation,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from './fhir-sandbox.definitions.js';
import { SYSTEMS } from './synthetic-data.catalog.js';
import { SANDBOX_SEED, describeSandbox, generateSyntheticData } from './synthetic-data.generator.js';
import { SeededRandom } from './synthetic-data.prng.js';

const data = generateSyntheticData();
const summary = describeSandbox();
const patients = data.filter((r): r is Patient => r.resourceType === 'Patient');
const ofType = <T extends Resource>(type: T['resourceType']) => data.filter((r) => r.resourceType === type) as T[];
const refersTo = (r: Resource, patient: string): boolean => JSON.stringify(r).includes(`"Patient/${patient}"`);
const identifier = (p: Patient, system: string): Identifier | undefined => p.identifier?.find((i) => i.system === system);

describe('synthetic data: determinism', () => {
  it('two runs produce byte-identical data', () => {
    expect(JSON.stringify(generateSyntheticData())).toBe(JSON.stringify(data));
    expect(JSON.stringify(describeSandbox())).toBe(JSON.stringify(summary));
  });

  it('the PRNG is a pure function of its seed', () => {
    const draw = (seed: number) => {
      const rng = new SeededRandom(seed);
      return Array.from({ length: 5 }, () => rng.next());
    };
    expect(draw(SANDBOX_SEED)).toEqual(draw(SANDBOX_SEED));
    expect(draw(SANDBOX_SEED)).not.toEqual(draw(SANDBOX_SEED + 1));
    // mulberry32(1) is a published sequence: guards against an accidental change of algorithm.
    expect(new SeededRandom(1).next()).toBeCloseTo(0.6270739405881613, 12);
  });

  it('never reads the clock: no timestamp falls after the reference date', () => {
    const instants = JSON.stringify(data).match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g) ?? [];
    expect(instants.length).toBeGreaterThan(100);
    expect(instants.every((t) => t < '2026-01-01T00:00:00Z')).toBe(true);
  });

  it('ids are unique and fixed', () => {
    const keys = data.map((r) => `${r.resourceType}/${r.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(patients.map((p) => p.id)).toEqual(Array.from({ length: 30 }, (_, i) => `pat-${String(i + 1).padStart(3, '0')}`));
    expect(ofType('Practitioner').map((p) => p.id)).toEqual(['prac-01', 'prac-02', 'prac-03', 'prac-04', 'prac-05', 'prac-06']);
    expect(ofType('PractitionerRole').map((p) => p.id)).toEqual(['prac-role-01', 'prac-role-02', 'prac-role-03', 'prac-role-04', 'prac-role-05', 'prac-role-06']);
    expect(ofType('Organization').map((o) => o.id)).toEqual(['org-1']);
  });
});

describe('synthetic data: patients', () => {
  it('has at least 25 patients, each with a unique SSN and MRN', () => {
    expect(patients.length).toBeGreaterThanOrEqual(25);
    const ssns = patients.map((p) => identifier(p, SYSTEMS.ssn)?.value);
    const mrns = patients.map((p) => identifier(p, SYSTEMS.mrn)?.value);
    expect(new Set(ssns).size).toBe(patients.length);
    expect(new Set(mrns).size).toBe(patients.length);
    for (const ssn of ssns) {
      expect(ssn).toMatch(/^\d{9}$/);
      expect(ssn).not.toMatch(/^(9|000|666)/);
      expect(ssn!.slice(3, 5)).not.toBe('00');
      expect(ssn!.slice(5)).not.toBe('0000');
    }
    expect(mrns[0]).toBe('MRN-0001');
  });

  it('each narrative shows the SSN as 123-45-6789, the way EHR exports do', () => {
    for (const p of patients) {
      const ssn = identifier(p, SYSTEMS.ssn)!.value!;
      expect(p.text?.status).toBe('generated');
      expect(p.text?.div).toMatch(/^<div xmlns="http:\/\/www\.w3\.org\/1999\/xhtml">/);
      expect(p.text?.div).toContain(`${ssn.slice(0, 3)}-${ssn.slice(3, 5)}-${ssn.slice(5)}`);
    }
  });

  it('each patient has demographics and belongs to org-1', () => {
    for (const p of patients) {
      expect(p.name?.[0]?.family).toBeTruthy();
      expect(p.gender).toMatch(/^(female|male)$/);
      expect(p.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.address?.[0]?.city).toBeTruthy();
      expect(p.telecom?.length).toBeGreaterThan(0);
      expect(p.managingOrganization?.reference).toBe('Organization/org-1');
    }
    expect(patients.filter((p) => p.generalPractitioner).length).toBeGreaterThan(0);
    expect(patients.filter((p) => !p.generalPractitioner).length).toBeGreaterThan(0);
  });

  it('each patient has every clinical type, with vital-signs and laboratory Observations', () => {
    const types = ['Encounter', 'Observation', 'Condition', 'MedicationRequest', 'AllergyIntolerance', 'Immunization', 'DocumentReference'];
    for (const p of patients) {
      const own = data.filter((r) => r.resourceType !== 'Patient' && refersTo(r, p.id!));
      for (const type of types) expect(own.some((r) => r.resourceType === type), `${p.id} ${type}`).toBe(true);
      const categories = own
        .filter((r): r is Observation => r.resourceType === 'Observation')
        .flatMap((o) => o.category?.flatMap((c) => c.coding ?? []) ?? [])
        .filter((c) => c.system === 'http://terminology.hl7.org/CodeSystem/observation-category')
        .map((c) => c.code);
      expect(new Set(categories)).toEqual(new Set(['vital-signs', 'laboratory']));
      const conditionStatus = own.flatMap((r) => (r.resourceType === 'Condition' ? [r.clinicalStatus?.coding?.[0]?.code] : []));
      expect(conditionStatus).toEqual(expect.arrayContaining(['active', 'resolved']));
      const rxStatus = own.flatMap((r) => (r.resourceType === 'MedicationRequest' ? [r.status] : []));
      expect(rxStatus).toEqual(expect.arrayContaining(['active', 'completed']));
    }
  });

  it('Observations carry LOINC codes for heart rate, blood pressure, weight, glucose and HbA1c', () => {
    const codes = new Set(ofType<Observation>('Observation').map((o) => o.code.coding?.[0]?.code));
    expect(codes).toEqual(new Set(['8867-4', '85354-9', '29463-7', '2339-0', '4548-4']));
  });

  it('some DocumentReferences quote the SSN in their base64 note (leak canary), others do not', () => {
    const docs = ofType<DocumentReference>('DocumentReference');
    const decoded = (d: DocumentReference) => Buffer.from(d.content[0]!.attachment.data!, 'base64').toString('utf8');
    const canaries = summary.patients.filter((p) => p.ssnCanaryDocumentId);
    expect(canaries.length).toBeGreaterThan(0);
    expect(canaries.length).toBeLessThan(summary.patients.length);
    for (const p of canaries) {
      const doc = docs.find((d) => d.id === p.ssnCanaryDocumentId)!;
      expect(doc.content[0]!.attachment.title).toBeTruthy();
      expect(decoded(doc)).toContain(p.ssnFormatted);
    }
    const withoutSsn = docs.filter((d) => !summary.patients.some((p) => decoded(d).includes(p.ssnFormatted)));
    expect(withoutSsn.length).toBeGreaterThan(0);
  });
});

describe('synthetic data: care teams', () => {
  const teams = ofType<CareTeam>('CareTeam');
  const encounters = ofType<Encounter>('Encounter');

  it('every practitioner is on some CareTeams, but none cares for every patient', () => {
    for (const prac of summary.practitioners) {
      const onTeams = teams.filter((t) => t.participant?.some((p) => p.member?.reference === `Practitioner/${prac.id}`));
      const cared = onTeams.map((t) => t.subject!.reference!.replace('Patient/', '')).sort();
      expect(cared.length).toBeGreaterThan(0);
      expect(cared.length).toBeLessThan(patients.length);
      expect(cared).toEqual([...summary.careTeamMap[prac.id]!].sort());
    }
  });

  it('some patients have no care relationship at all', () => {
    expect(summary.patientsWithoutCareTeam.length).toBeGreaterThan(0);
    for (const id of summary.patientsWithoutCareTeam) {
      expect(teams.some((t) => t.subject?.reference === `Patient/${id}`)).toBe(false);
      expect(encounters.filter((e) => refersTo(e, id)).every((e) => !e.participant)).toBe(true);
      expect(patients.find((p) => p.id === id)!.generalPractitioner).toBeUndefined();
    }
  });

  it('prac-03 took part in an Encounter of pat-012, a patient outside prac-03 CareTeams', () => {
    expect(summary.careTeamMap['prac-03']).not.toContain('pat-012');
    expect(summary.careRelationshipMap['prac-03']).toContain('pat-012');
    expect(
      encounters.some((e) => e.subject?.reference === 'Patient/pat-012' && e.participant?.some((p) => p.individual?.reference === 'Practitioner/prac-03')),
    ).toBe(true);
  });

  it('the care-relationship map matches the data (CareTeam, generalPractitioner, Encounter participant)', () => {
    for (const prac of summary.practitioners) {
      const ref = `Practitioner/${prac.id}`;
      const derived = new Set<string>();
      for (const t of teams) if (t.participant?.some((p) => p.member?.reference === ref)) derived.add(t.subject!.reference!.slice(8));
      for (const p of patients) if (p.generalPractitioner?.some((g) => g.reference === ref)) derived.add(p.id!);
      for (const e of encounters) if (e.participant?.some((p) => p.individual?.reference === ref)) derived.add(e.subject!.reference!.slice(8));
      expect([...derived].sort()).toEqual(summary.careRelationshipMap[prac.id]);
    }
  });
});

describe('synthetic data: validity', () => {
  beforeAll(() => loadFhirDefinitions());

  it('every resource passes @medplum/core validateResource against the R4 definitions', () => {
    const failures: string[] = [];
    for (const r of data) {
      try {
        validateResource(r);
      } catch (err) {
        failures.push(`${r.resourceType}/${r.id}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('the validator does reject a broken resource (so the check above can fail)', () => {
    const broken = { ...patients[0]!, gender: 'robot' } as unknown as Patient;
    expect(() => validateResource({ ...broken, birthDate: 'yesterday' })).toThrow();
    expect(() => validateResource({ resourceType: 'Observation', id: 'x' } as Observation)).toThrow();
  });

  it('every reference points at a resource in the data set', () => {
    const keys = new Set(data.map((r) => `${r.resourceType}/${r.id}`));
    const refs = JSON.stringify(data).match(/"reference":"([^"]+)"/g)!.map((m) => m.slice(13, -1));
    expect(refs.filter((r) => !keys.has(r))).toEqual([]);
  });
});
