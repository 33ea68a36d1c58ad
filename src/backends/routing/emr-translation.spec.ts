import type { Appointment, MedicationRequest, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { PatientCrosswalk } from '../emr/patient-crosswalk.js';
import { toEmrQuery } from './emr-query.translator.js';
import { EmrResultTranslator } from './emr-result.translator.js';
import { SOURCE_TAG_SYSTEM } from './source-tag.js';

const BASE = 'https://emr.example.org/api/FHIR/R4';
/** facade pat-001 <-> EMR eP1; pat-004 <-> pat-001 (an EMR id equal to another facade id); eOrphan maps to nothing. */
const crosswalk = {
  toEmr: async (id: string) => ({ 'pat-001': 'eP1', 'pat-004': 'pat-001' })[id],
  toFacade: async (id: string) => ({ eP1: 'pat-001', 'pat-001': 'pat-004' })[id],
} as unknown as PatientCrosswalk;

const appt = (id: string, patientRef: string): Appointment => ({
  resourceType: 'Appointment',
  id,
  status: 'booked',
  participant: [{ actor: { reference: patientRef }, status: 'accepted' }, { actor: { reference: 'Practitioner/dr1' }, status: 'accepted' }],
});

describe('EMR results in the facade\u2019s terms', () => {
  const translator = new EmrResultTranslator('epic', BASE, crosswalk);

  it('maps patients by the cross-walk, qualifies ids and references, tags the source', async () => {
    const input = appt('a1', `${BASE}/Patient/eP1`);
    const out = (await translator.translate([input])).get(input) as Appointment;
    expect(out.id).toBe('epic.a1');
    expect(out.participant.map((p) => p.actor?.reference)).toEqual(['Patient/pat-001', 'Practitioner/epic.dr1']);
    expect(out.meta?.source).toBe('urn:fhir-facade:backend:epic');
    expect(out.meta?.tag).toContainEqual(expect.objectContaining({ system: SOURCE_TAG_SYSTEM, code: 'epic' }));
    expect(input.id).toBe('a1'); // the input is not changed
  });

  it("an EMR id equal to a facade id is translated, never taken as the facade's", async () => {
    const input = appt('a2', 'Patient/pat-001');
    expect(((await translator.translate([input])).get(input) as Appointment).participant[0]!.actor!.reference).toBe('Patient/pat-004');
  });

  it('drops resources naming an unmapped patient (also in contained resources or on another server) and EMR Patients', async () => {
    const orphan = appt('a3', 'Patient/eOrphan');
    const external = appt('a4', 'https://elsewhere.example.org/fhir/Patient/pat-001');
    const hidden: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: 'm1',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/eP1' },
      contained: [{ resourceType: 'Provenance', id: 'p', target: [{ reference: 'Patient/eOrphan' }], recorded: '2026-01-01', agent: [] } as Resource],
    } as MedicationRequest;
    const patient: Resource = { resourceType: 'Patient', id: 'eP1' };
    expect((await translator.translate([orphan, external, hidden, patient])).size).toBe(0);
  });
});

describe('search queries in the EMR\u2019s terms', () => {
  const q = (type: string, query: string) => toEmrQuery(type, new URLSearchParams(query), 'epic', crosswalk);

  it('translates patient parameters in every form', async () => {
    expect(String(await q('MedicationRequest', 'patient=pat-001&status=active'))).toBe('patient=eP1&status=active');
    expect(String(await q('MedicationRequest', 'subject=Patient/pat-004'))).toBe('subject=Patient%2Fpat-001');
    expect(String(await q('Appointment', 'actor=Patient/pat-001&_count=5'))).toBe('actor=Patient%2FeP1&_count=5');
    expect(String(await q('Appointment', '_id=epic.a1,cerner.x'))).toBe('_id=a1');
    expect(String(await q('Appointment', 'practitioner=Practitioner/epic.dr1'))).toBe('practitioner=Practitioner%2Fdr1');
  });

  it('skips the EMR rather than send an id it cannot translate', async () => {
    expect(await q('MedicationRequest', 'patient=pat-999')).toEqual({ skip: 'not-mapped' });
    expect(await q('Appointment', 'practitioner=Practitioner/prac-01')).toEqual({ skip: 'not-mapped' });
    expect(await q('Appointment', '_id=a1')).toEqual({ skip: 'not-mapped' });
    expect(await q('MedicationRequest', 'subject=https://elsewhere.example.org/Patient/1')).toEqual({ skip: 'not-mapped' });
  });
});
