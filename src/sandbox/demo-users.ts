/**
 * Demo users of the local identity provider (local sandbox only: no passwords).
 *
 * The account id is the user's FHIR reference, so `sub` = `fhirUser` = `Patient/pat-001` etc.
 * Ids match the synthetic sandbox data (`pat-001`..`pat-030`, `prac-01`..`prac-06`).
 * See https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html#fhiruser
 */
export type DemoUserKind = 'patient' | 'practitioner';

export interface DemoUser {
  /** Account id and `sub`: the user's FHIR reference. */
  readonly id: string;
  /** SMART `fhirUser` claim. */
  readonly fhirUser: string;
  readonly kind: DemoUserKind;
  readonly name: string;
  /** Extra roles carried in the access token's `roles` claim. */
  readonly roles: readonly string[];
}

function patient(n: number, name: string): DemoUser {
  const ref = `Patient/pat-${String(n).padStart(3, '0')}`;
  return { id: ref, fhirUser: ref, kind: 'patient', name, roles: [] };
}

function practitioner(n: number, name: string, roles: readonly string[] = []): DemoUser {
  const ref = `Practitioner/prac-${String(n).padStart(2, '0')}`;
  return { id: ref, fhirUser: ref, kind: 'practitioner', name, roles };
}

export const DEMO_USERS: readonly DemoUser[] = [
  patient(1, 'Demo patient 1'),
  patient(2, 'Demo patient 2'),
  patient(3, 'Demo patient 3'),
  patient(4, 'Demo patient 4'),
  patient(5, 'Demo patient 5'),
  practitioner(1, 'Demo practitioner 1 (break-glass)', ['break-glass']),
  practitioner(2, 'Demo practitioner 2 (ssn-read)', ['ssn-read']),
  practitioner(3, 'Demo practitioner 3'),
];

const BY_ID = new Map(DEMO_USERS.map((u) => [u.id, u]));

/** The demo user with this account id / fhirUser reference, if any. */
export function findDemoUser(id: string): DemoUser | undefined {
  return BY_ID.get(id);
}

/** The patient id (`pat-001`) of a patient demo user, else undefined. */
export function ownPatientId(user: DemoUser): string | undefined {
  return user.kind === 'patient' ? user.fhirUser.slice('Patient/'.length) : undefined;
}
