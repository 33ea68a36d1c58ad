/**
 * The project's deterministic synthetic FHIR R4 data set for the local sandbox.
 *
 * Same seed, same data, byte for byte: a mulberry32 generator seeded with {@link SANDBOX_SEED}, dates computed
 * back from a fixed {@link REFERENCE_DATE}, no `Math.random`, no clock. Ids are fixed and predictable
 * (`pat-001` … `pat-030`, `prac-01` … `prac-06`, `org-1`); who cares for whom is the table in
 * `synthetic-data.staff.ts`, summarised by {@link describeSandbox}.
 *
 * @see https://hl7.org/fhir/R4/resourcelist.html
 */
import type { CareTeam, Organization, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { SYNTHETIC_TAG, SYSTEMS } from './synthetic-data.catalog.js';
import { REFERENCE_DATE, buildClinicalRecord } from './synthetic-data.clinical.js';
import { buildPatient, drawIdentity, formatSsn, type PatientIdentity } from './synthetic-data.patient.js';
import { SeededRandom } from './synthetic-data.prng.js';
import {
  EMERGENCY_VISITS,
  ORGANIZATION_ID,
  ORGANIZATION_NAME,
  PANELS,
  PATIENT_COUNT,
  STAFF,
  isSsnCanaryPatient,
  panelOf,
  patientId,
} from './synthetic-data.staff.js';

export { REFERENCE_DATE } from './synthetic-data.clinical.js';
export { SYSTEMS } from './synthetic-data.catalog.js';

/** The fixed seed of the sandbox data set. */
export const SANDBOX_SEED = 20260101;

const meta = () => ({ tag: [{ ...SYNTHETIC_TAG }] });

function organization(): Organization {
  return {
    resourceType: 'Organization',
    id: ORGANIZATION_ID,
    meta: meta(),
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: 'ORG-0001' }],
    active: true,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
    name: ORGANIZATION_NAME,
    telecom: [{ system: 'phone', value: '+1-413-555-0100', use: 'work' }],
    address: [{ use: 'work', line: ['1 Example Plaza'], city: 'Springfield', state: 'MA', postalCode: '01101', country: 'US' }],
  };
}

function practitioners(): Resource[] {
  const out: Resource[] = [];
  for (const s of STAFF) {
    const practitioner: Practitioner = {
      resourceType: 'Practitioner',
      id: s.id,
      meta: meta(),
      identifier: [{ system: SYSTEMS.npi, value: s.npi }],
      active: true,
      name: [{ use: 'official', family: s.family, given: [s.given], ...(s.prefix ? { prefix: [s.prefix] } : {}), suffix: [s.suffix] }],
      telecom: [{ system: 'email', value: `${s.given}.${s.family}@contoso-health.example.org`.toLowerCase(), use: 'work' }],
      gender: s.gender,
    };
    const role: PractitionerRole = {
      resourceType: 'PractitionerRole',
      id: s.roleId,
      meta: meta(),
      active: true,
      practitioner: { reference: `Practitioner/${s.id}` },
      organization: { reference: `Organization/${ORGANIZATION_ID}` },
      code: [{ coding: [s.role] }],
      specialty: [{ coding: [s.specialty] }],
    };
    out.push(practitioner, role);
  }
  return out;
}

function careTeam(who: PatientIdentity): CareTeam | undefined {
  const panel = panelOf(who.n);
  if (!panel) return undefined;
  return {
    resourceType: 'CareTeam',
    id: `care-team-${who.id.slice(4)}`,
    meta: meta(),
    status: 'active',
    name: `Care team of ${who.id}`,
    subject: { reference: `Patient/${who.id}` },
    period: { start: '2024-01-01' },
    participant: panel.members.map((m) => ({
      role: [{ coding: [STAFF.find((s) => s.id === m)!.role] }],
      member: { reference: `Practitioner/${m}` },
      onBehalfOf: { reference: `Organization/${ORGANIZATION_ID}` },
    })),
    managingOrganization: [{ reference: `Organization/${ORGANIZATION_ID}` }],
  };
}

function drawAllIdentities(rng: SeededRandom): PatientIdentity[] {
  const ssns = new Set<string>();
  const names = new Set<string>();
  return Array.from({ length: PATIENT_COUNT }, (_, i) => drawIdentity(i + 1, rng, ssns, names));
}

/**
 * Generates the whole data set: the Organization, Practitioners, PractitionerRoles, then per patient the
 * Patient and its clinical record, then the CareTeams. Every call returns fresh objects with identical content.
 */
export function generateSyntheticData(): Resource[] {
  const rng = new SeededRandom(SANDBOX_SEED);
  const identities = drawAllIdentities(rng);
  const resources: Resource[] = [organization(), ...practitioners()];
  for (const who of identities) {
    resources.push(buildPatient(who, rng), ...buildClinicalRecord(who, rng));
  }
  for (const who of identities) {
    const team = careTeam(who);
    if (team) resources.push(team);
  }
  // A JSON round trip so that no two resources share an object (callers may mutate what they get).
  return JSON.parse(JSON.stringify(resources)) as Resource[];
}

export interface SandboxPatientSummary {
  readonly id: string;
  readonly name: string;
  readonly given: string;
  readonly family: string;
  readonly gender: 'female' | 'male';
  readonly birthDate: string;
  /** 9 digits, as in the identifier. */
  readonly ssn: string;
  /** `123-45-6789`, as in the narrative. */
  readonly ssnFormatted: string;
  readonly mrn: string;
  readonly generalPractitioner?: string;
  readonly careTeamId?: string;
  /** Id of the DocumentReference whose note quotes the SSN, if any. */
  readonly ssnCanaryDocumentId?: string;
}

export interface SandboxSummary {
  readonly seed: number;
  readonly referenceDate: string;
  readonly organizationId: string;
  readonly patients: readonly SandboxPatientSummary[];
  readonly practitioners: readonly { id: string; name: string; roleId: string; role: string }[];
  /** Practitioner id -> patient ids whose CareTeam lists that practitioner. */
  readonly careTeamMap: Readonly<Record<string, readonly string[]>>;
  /**
   * Practitioner id -> patient ids the `care-team` access policy lets them open: CareTeam member,
   * generalPractitioner, or participant in one of the patient's Encounters.
   */
  readonly careRelationshipMap: Readonly<Record<string, readonly string[]>>;
  /** Patients no practitioner has a care relationship with. */
  readonly patientsWithoutCareTeam: readonly string[];
}

/** Summary of the data set for tests and documentation: who exists, which SSNs must never leak, who may see whom. */
export function describeSandbox(): SandboxSummary {
  const identities = drawAllIdentities(new SeededRandom(SANDBOX_SEED));
  const careTeamMap: Record<string, string[]> = {};
  const relations: Record<string, Set<string>> = {};
  const relate = (prac: string, pat: string) => (relations[prac] ??= new Set()).add(pat);
  for (const s of STAFF) {
    careTeamMap[s.id] = [];
    relations[s.id] = new Set();
  }
  const patients = identities.map((who): SandboxPatientSummary => {
    const panel = panelOf(who.n);
    for (const m of panel?.members ?? []) {
      careTeamMap[m]!.push(who.id);
      relate(m, who.id);
    }
    if (panel?.generalPractitioner) relate(panel.generalPractitioner, who.id);
    for (const p of panel?.encounterStaff ?? []) relate(p, who.id);
    for (const er of EMERGENCY_VISITS.filter((v) => v.patient === who.n)) relate(er.practitioner, who.id);
    return {
      id: who.id,
      name: `${who.given} ${who.family}`,
      given: who.given,
      family: who.family,
      gender: who.gender,
      birthDate: who.birthDate,
      ssn: who.ssn,
      ssnFormatted: formatSsn(who.ssn),
      mrn: who.mrn,
      ...(panel?.generalPractitioner ? { generalPractitioner: panel.generalPractitioner } : {}),
      ...(panel ? { careTeamId: `care-team-${who.id.slice(4)}` } : {}),
      ...(isSsnCanaryPatient(who.n) ? { ssnCanaryDocumentId: `doc-${who.id.slice(4)}-2` } : {}),
    };
  });
  const careRelationshipMap = Object.fromEntries(
    Object.entries(relations).map(([prac, set]) => [prac, [...set].sort()]),
  );
  const related = new Set(Object.values(careRelationshipMap).flat());
  return {
    seed: SANDBOX_SEED,
    referenceDate: REFERENCE_DATE,
    organizationId: ORGANIZATION_ID,
    patients,
    practitioners: STAFF.map((s) => ({
      id: s.id,
      name: `${s.prefix ? s.prefix + ' ' : ''}${s.given} ${s.family}, ${s.suffix}`,
      roleId: s.roleId,
      role: s.role.code!,
    })),
    careTeamMap,
    careRelationshipMap,
    patientsWithoutCareTeam: identities.map((w) => w.id).filter((id) => !related.has(id)),
  };
}

/** Panels as configured, for documentation. */
export const SANDBOX_PANELS = PANELS.map((p) => ({
  patients: Array.from({ length: p.to - p.from + 1 }, (_, i) => patientId(p.from + i)),
  careTeam: p.members,
  generalPractitioner: p.generalPractitioner,
}));
