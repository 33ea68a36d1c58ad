/**
 * Deterministic synthetic data of the two local EMR sandboxes (seeded generator, fixed dates, no
 * `Math.random`, no clock). Their patients overlap the main sandbox by MRN value (`MRN-0001` …) under each
 * EMR's own MRN system, with the EMR's own patient ids, plus Appointments, Slots, Schedules and
 * MedicationRequests. Traps for the cross-walk are deliberate:
 * - Epic's patient with id `pat-001` is MRN-0004's (an untranslated facade id would reach the wrong patient);
 * - each EMR has a patient with no counterpart in the main sandbox (MRN-9101 / MRN-9201), with appointments;
 * - one Epic appointment names a patient on another server by absolute URL;
 * - Cerner holds a copy of one Epic prescription (same identifier): a merged search shows it once.
 *
 * @see https://hl7.org/fhir/R4/appointment.html
 */
import type { Appointment, Identifier, MedicationRequest, Patient, Practitioner, Resource, Schedule, Slot } from '@medplum/fhirtypes';
import { CHRONIC_MEDICATIONS, SYNTHETIC_TAG, SYSTEMS } from './synthetic-data.catalog.js';
import { SeededRandom } from './synthetic-data.prng.js';
import { mrnOf } from './synthetic-data.staff.js';

export type EmrKind = 'epic' | 'cerner';

/** Identifier systems of the EMR sandboxes (documentation OID arcs, never real assigners). */
export const EMR_SYSTEMS = {
  epic: { mrn: 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14' },
  cerner: { mrn: 'urn:oid:2.16.840.1.113883.6.1000' },
  /** Prescription number shared by both EMRs (an e-prescribing network's id). */
  rx: 'urn:oid:2.16.840.1.113883.19.5.99999.7',
} as const;

/** Facade patients (main sandbox numbers) each EMR knows, and the EMR-only MRN. */
const COVERAGE: Readonly<Record<EmrKind, { readonly patients: readonly number[]; readonly orphanMrn: string; readonly seed: number }>> = {
  epic: { patients: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12], orphanMrn: 'MRN-9101', seed: 7301 },
  cerner: { patients: [1, 2, 3, 4, 5, 11, 12, 13], orphanMrn: 'MRN-9201', seed: 7302 },
};

export const EPIC_TRAP_PATIENT = { id: 'pat-001', mrnOf: 4 } as const;
const REFERENCE_DAY = Date.UTC(2026, 0, 5, 9, 0, 0); // Monday 2026-01-05 09:00Z: every date counts from here

export interface EmrPatientSummary {
  /** The EMR's patient id. */
  readonly id: string;
  readonly mrn: string;
  /** The main sandbox (facade) patient id with this MRN, if any. */
  readonly facadeId?: string;
}

const meta = () => ({ tag: [{ ...SYNTHETIC_TAG }] });
const iso = (offsetMinutes: number) => new Date(REFERENCE_DAY + offsetMinutes * 60_000).toISOString().replace('.000Z', 'Z');

function emrPatientId(kind: EmrKind, rng: SeededRandom, n: number): string {
  if (kind === 'cerner') return String(12724000 + n * 37 + rng.int(0, 30));
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return `e${Array.from({ length: 23 }, () => rng.pick([...alphabet])).join('')}`;
}

/** Who is in the EMR: its ids, MRNs and (for overlapping patients) the facade ids. */
export function describeEmrPatients(kind: EmrKind): EmrPatientSummary[] {
  const { patients, orphanMrn, seed } = COVERAGE[kind];
  const rng = new SeededRandom(seed);
  const out: EmrPatientSummary[] = patients.map((n) => {
    const id = kind === 'epic' && n === EPIC_TRAP_PATIENT.mrnOf ? EPIC_TRAP_PATIENT.id : emrPatientId(kind, rng, n);
    return { id, mrn: mrnOf(n), facadeId: `pat-${String(n).padStart(3, '0')}` };
  });
  out.push({ id: emrPatientId(kind, rng, 99), mrn: orphanMrn });
  return out;
}

/** The EMR sandbox's resources, the same on every call. */
export function generateEmrData(kind: EmrKind): Resource[] {
  const rng = new SeededRandom(COVERAGE[kind].seed + 1000);
  const system = EMR_SYSTEMS[kind].mrn;
  const prac: Practitioner = {
    resourceType: 'Practitioner',
    id: kind === 'epic' ? 'eprac-1' : '4122630',
    meta: meta(),
    identifier: [{ system: SYSTEMS.npi, value: kind === 'epic' ? '1000000101' : '1000000202' }],
    name: [{ family: kind === 'epic' ? 'Brennan' : 'Siddiqui', given: [kind === 'epic' ? 'Naomi' : 'Omar'] }],
  };
  const schedule: Schedule = {
    resourceType: 'Schedule',
    id: `${kind}-sched-1`,
    meta: meta(),
    active: true,
    actor: [{ reference: `Practitioner/${prac.id}` }],
  };
  const resources: Resource[] = [prac, schedule];
  for (let s = 0; s < 4; s += 1) {
    const slot: Slot = {
      resourceType: 'Slot',
      id: `${kind}-slot-${s + 1}`,
      meta: meta(),
      schedule: { reference: `Schedule/${schedule.id}` },
      status: s % 2 === 0 ? 'free' : 'busy',
      start: iso(24 * 60 * (s + 1)),
      end: iso(24 * 60 * (s + 1) + 30),
    };
    resources.push(slot);
  }
  describeEmrPatients(kind).forEach((p, index) => {
    resources.push(patient(kind, p, system, rng));
    for (let a = 0; a < 2; a += 1) resources.push(appointment(kind, p, prac.id!, index, a, rng));
    resources.push(medicationRequest(kind, p, prac.id!, rng));
  });
  if (kind === 'epic') {
    resources.push({
      ...appointment(kind, { id: 'x', mrn: 'MRN-0001' }, prac.id!, 90, 0, rng),
      id: 'epic-appt-external',
      participant: [{ actor: { reference: 'https://other-fhir.example.org/fhir/Patient/pat-001' }, status: 'accepted' }],
    } as Appointment);
  } else {
    // The same prescription as Epic's for MRN-0001, as a second EMR would hold it.
    const shared = medicationRequest(kind, describeEmrPatients('cerner')[0]!, prac.id!, rng);
    resources.push({ ...shared, id: 'cerner-rx-shared', identifier: [rxIdentifier('epic', 'MRN-0001')] });
  }
  return JSON.parse(JSON.stringify(resources)) as Resource[];
}

function patient(kind: EmrKind, p: EmrPatientSummary, system: string, rng: SeededRandom): Patient {
  return {
    resourceType: 'Patient',
    id: p.id,
    meta: meta(),
    identifier: [{ use: 'usual', system, value: p.mrn, type: { coding: [{ system: SYSTEMS.identifierType, code: 'MR' }] } }],
    name: [{ family: kind === 'epic' ? 'Epic-Sandbox' : 'Cerner-Sandbox', given: [`Patient${rng.int(100, 999)}`] }],
  };
}

function appointment(kind: EmrKind, p: EmrPatientSummary, pracId: string, index: number, a: number, rng: SeededRandom): Appointment {
  const start = 24 * 60 * (3 + index) + 60 * rng.int(0, 7);
  return {
    resourceType: 'Appointment',
    id: `${kind}-appt-${p.mrn.slice(4)}-${a + 1}`,
    meta: meta(),
    identifier: [{ system: `urn:fhir-facade:sandbox:${kind}:appointment`, value: `${p.mrn}-${a + 1}` }],
    status: a === 0 ? 'booked' : 'fulfilled',
    description: a === 0 ? 'Follow-up visit' : 'Annual check-up',
    start: iso(a === 0 ? start : start - 90 * 24 * 60),
    end: iso((a === 0 ? start : start - 90 * 24 * 60) + 30),
    participant: [
      { actor: { reference: `Patient/${p.id}` }, status: 'accepted' },
      { actor: { reference: `Practitioner/${pracId}` }, status: 'accepted' },
    ],
  };
}

function rxIdentifier(kind: EmrKind, mrn: string): Identifier {
  return { system: EMR_SYSTEMS.rx, value: `RX-${kind}-${mrn}` };
}

function medicationRequest(kind: EmrKind, p: EmrPatientSummary, pracId: string, rng: SeededRandom): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: `${kind}-rx-${p.mrn.slice(4)}`,
    meta: meta(),
    identifier: [rxIdentifier(kind, p.mrn)],
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { coding: [rng.pick(CHRONIC_MEDICATIONS)] },
    subject: { reference: `Patient/${p.id}` },
    requester: { reference: `Practitioner/${pracId}` },
    authoredOn: iso(-30 * 24 * 60),
  };
}
