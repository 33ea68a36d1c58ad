/**
 * The sandbox organization, its practitioners and who cares for whom. This is a fixed table, not random,
 * so tests and the README can name the relationships exactly.
 *
 * | practitioner | role | CareTeam member for | generalPractitioner of | Encounter participant for |
 * |---|---|---|---|---|
 * | prac-01 Naomi Brennan, MD  | doctor     | pat-001 … pat-010 | pat-001 … pat-010 | pat-001 … pat-010 |
 * | prac-02 Omar Siddiqui, MD  | doctor     | pat-011 … pat-020 | pat-011 … pat-020 | pat-011 … pat-020 |
 * | prac-03 Priya Raman, MD    | doctor     | pat-021 … pat-025 | none              | pat-021 … pat-025, **pat-012** (an emergency visit) |
 * | prac-04 Quinn Alvarez, RN  | nurse      | pat-001 … pat-010 | none              | pat-001 … pat-010 |
 * | prac-05 Rosa Delgado, RN   | nurse      | pat-011 … pat-020 | none              | pat-011 … pat-020 |
 * | prac-06 Samuel Osei, PharmD| pharmacist | pat-021 … pat-025 | none              | none |
 *
 * pat-026 … pat-030 have no CareTeam, no generalPractitioner and no practitioner on their Encounters: under a
 * `care-team` access policy no practitioner may open them (only `organization` policy or break-glass).
 * pat-012 is the one patient reachable through an Encounter but not a CareTeam (prac-03).
 */
import type { Coding } from '@medplum/fhirtypes';
import { SYSTEMS } from './synthetic-data.catalog.js';

export const ORGANIZATION_ID = 'org-1';
export const ORGANIZATION_NAME = 'Contoso Community Health (synthetic)';

export interface StaffMember {
  readonly id: string;
  readonly roleId: string;
  readonly given: string;
  readonly family: string;
  readonly prefix?: string;
  readonly suffix: string;
  readonly gender: 'female' | 'male';
  /** Synthetic 10-digit NPI-shaped number (not a registered NPI). */
  readonly npi: string;
  readonly role: Coding;
  readonly specialty: Coding;
}

const doctor: Coding = { system: SYSTEMS.practitionerRole, code: 'doctor', display: 'Doctor' };
const nurse: Coding = { system: SYSTEMS.practitionerRole, code: 'nurse', display: 'Nurse' };
const pharmacist: Coding = { system: SYSTEMS.practitionerRole, code: 'pharmacist', display: 'Pharmacist' };

export const STAFF: readonly StaffMember[] = [
  { id: 'prac-01', roleId: 'prac-role-01', given: 'Naomi', family: 'Brennan', prefix: 'Dr.', suffix: 'MD', gender: 'female', npi: '1000000101', role: doctor, specialty: { system: SYSTEMS.snomed, code: '419772000', display: 'Family practice' } },
  { id: 'prac-02', roleId: 'prac-role-02', given: 'Omar', family: 'Siddiqui', prefix: 'Dr.', suffix: 'MD', gender: 'male', npi: '1000000202', role: doctor, specialty: { system: SYSTEMS.snomed, code: '419192003', display: 'Internal medicine' } },
  { id: 'prac-03', roleId: 'prac-role-03', given: 'Priya', family: 'Raman', prefix: 'Dr.', suffix: 'MD', gender: 'female', npi: '1000000303', role: doctor, specialty: { system: SYSTEMS.snomed, code: '773568002', display: 'Emergency medicine' } },
  { id: 'prac-04', roleId: 'prac-role-04', given: 'Quinn', family: 'Alvarez', suffix: 'RN', gender: 'male', npi: '1000000404', role: nurse, specialty: { system: SYSTEMS.snomed, code: '419772000', display: 'Family practice' } },
  { id: 'prac-05', roleId: 'prac-role-05', given: 'Rosa', family: 'Delgado', suffix: 'RN', gender: 'female', npi: '1000000505', role: nurse, specialty: { system: SYSTEMS.snomed, code: '419192003', display: 'Internal medicine' } },
  { id: 'prac-06', roleId: 'prac-role-06', given: 'Samuel', family: 'Osei', suffix: 'PharmD', gender: 'male', npi: '1000000606', role: pharmacist, specialty: { system: SYSTEMS.snomed, code: '394600006', display: 'Clinical pharmacology' } },
];

/** A panel: a range of patients (1-based numbers) and the staff looking after them. */
export interface Panel {
  readonly from: number;
  readonly to: number;
  /** CareTeam members; the first is the panel's physician. */
  readonly members: readonly string[];
  readonly generalPractitioner?: string;
  /** Practitioners who take part in the panel's Encounters: [check-up, follow-up]. */
  readonly encounterStaff: readonly [string, string];
}

export const PATIENT_COUNT = 30;

export const PANELS: readonly Panel[] = [
  { from: 1, to: 10, members: ['prac-01', 'prac-04'], generalPractitioner: 'prac-01', encounterStaff: ['prac-01', 'prac-04'] },
  { from: 11, to: 20, members: ['prac-02', 'prac-05'], generalPractitioner: 'prac-02', encounterStaff: ['prac-02', 'prac-05'] },
  { from: 21, to: 25, members: ['prac-03', 'prac-06'], encounterStaff: ['prac-03', 'prac-03'] },
];

/** Extra emergency Encounters with a practitioner from outside the patient's care team. */
export const EMERGENCY_VISITS: readonly { readonly patient: number; readonly practitioner: string }[] = [
  { patient: 12, practitioner: 'prac-03' },
];

/** Patients whose registration note quotes the SSN (a leak canary for masking tests): numbers 1, 4, 7, … */
export const isSsnCanaryPatient = (n: number): boolean => n % 3 === 1;

export function panelOf(n: number): Panel | undefined {
  return PANELS.find((p) => n >= p.from && n <= p.to);
}

export const patientId = (n: number): string => `pat-${String(n).padStart(3, '0')}`;
export const mrnOf = (n: number): string => `MRN-${String(n).padStart(4, '0')}`;
