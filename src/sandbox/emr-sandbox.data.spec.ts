import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { describeEmrPatients, EMR_SYSTEMS, EPIC_TRAP_PATIENT, generateEmrData } from './emr-sandbox.data.js';
import { describeSandbox } from './synthetic-data.generator.js';

describe('EMR sandbox data', () => {
  it('is the same on every call (seeded, no clock)', () => {
    expect(JSON.stringify(generateEmrData('epic'))).toBe(JSON.stringify(generateEmrData('epic')));
    expect(JSON.stringify(generateEmrData('cerner'))).toBe(JSON.stringify(generateEmrData('cerner')));
  });

  it('overlaps the main sandbox by MRN, under other ids and the EMR\u2019s MRN system, with one orphan each', () => {
    const main = new Map(describeSandbox().patients.map((p) => [p.mrn, p.id]));
    for (const kind of ['epic', 'cerner'] as const) {
      const patients = generateEmrData(kind).filter((r): r is Patient => r.resourceType === 'Patient');
      const summary = describeEmrPatients(kind);
      expect(patients.map((p) => p.id)).toEqual(summary.map((s) => s.id));
      for (const p of patients) expect(p.identifier?.[0]?.system).toBe(EMR_SYSTEMS[kind].mrn);
      const overlapping = summary.filter((s) => s.facadeId);
      expect(overlapping.every((s) => main.get(s.mrn) === s.facadeId)).toBe(true);
      expect(summary.filter((s) => !main.has(s.mrn))).toHaveLength(1);
      expect(overlapping.some((s) => s.id === s.facadeId)).toBe(false);
    }
  });

  it("sets the id trap: Epic's patient `pat-001` is MRN-0004", () => {
    const trap = describeEmrPatients('epic').find((p) => p.id === EPIC_TRAP_PATIENT.id);
    expect(trap).toMatchObject({ mrn: 'MRN-0004', facadeId: 'pat-004' });
  });
});
