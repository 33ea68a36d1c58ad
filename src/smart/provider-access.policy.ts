/**
 * Provider access policy: which patients a practitioner (`user/` scopes) may open.
 *
 * - `care-team`: a CareTeam of the patient has the practitioner as `participant.member`, or the patient's
 *   `generalPractitioner` is the practitioner, or an Encounter of the patient has the practitioner as
 *   `participant.individual` (directly or through one of their PractitionerRoles);
 * - `organization`: the patient's `managingOrganization` is an organization the practitioner works for
 *   (an active PractitionerRole of the practitioner names it).
 *
 * The FHIR lookups live behind {@link ProviderAccessChecker}; {@link decideProviderAccess} is the pure rule
 * applied to what was fetched.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#user-level-scopes
 * @see https://hl7.org/fhir/R4/careteam.html
 * @see https://hl7.org/fhir/R4/practitionerrole.html
 */
import type { Bundle, CareTeam, Encounter, Patient, PractitionerRole, Reference, Resource } from '@medplum/fhirtypes';
import type { Principal } from '../auth/principal.js';
import { notFound } from '../fhir/outcomes.js';
import type { AllowDecision, ProviderAccessMode } from './authorization.types.js';
import { compartmentPatientIds, type CompartmentMemo } from './patient-compartment.js';
import { practitionerReference } from './scope-grants.js';

/** Decides, with FHIR lookups, whether a practitioner may open a patient. */
export interface ProviderAccessChecker {
  canOpen(principal: Principal, patientId: string): Promise<boolean>;
}

/** What a checker fetched about one patient and one practitioner. */
export interface ProviderAccessFacts {
  readonly patient?: Patient;
  readonly careTeams?: readonly CareTeam[];
  readonly encounters?: readonly Encounter[];
  /** The practitioner's PractitionerRoles. */
  readonly practitionerRoles?: readonly PractitionerRole[];
}

/**
 * The provider access rule, pure: may `practitioner` (`Practitioner/x`) open `Patient/<patientId>`?
 * Facts about other patients (a CareTeam of someone else) are ignored, so over-fetching cannot grant access.
 */
export function decideProviderAccess(
  mode: ProviderAccessMode,
  practitioner: string,
  patientId: string,
  facts: ProviderAccessFacts,
): boolean {
  const patientRef = `Patient/${patientId}`;
  const roles = (facts.practitionerRoles ?? []).filter((r) => r.active !== false && refIs(r.practitioner, practitioner));
  const me = new Set([practitioner, ...roles.filter((r) => r.id).map((r) => `PractitionerRole/${r.id}`)]);
  const isMe = (ref: Reference | undefined): boolean => !!ref?.reference && me.has(relative(ref.reference));
  const patient = facts.patient?.id === patientId ? facts.patient : undefined;

  if (mode === 'organization') {
    const orgs = new Set(roles.map((r) => r.organization?.reference).filter((r): r is string => !!r).map(relative));
    const managing = patient?.managingOrganization?.reference;
    return !!managing && orgs.has(relative(managing));
  }
  const onCareTeam = (facts.careTeams ?? []).some(
    (t) => refIs(t.subject, patientRef) && t.status !== 'inactive' && t.status !== 'entered-in-error' && (t.participant ?? []).some((p) => isMe(p.member)),
  );
  const isGp = (patient?.generalPractitioner ?? []).some(isMe);
  const inEncounter = (facts.encounters ?? []).some(
    (e) => refIs(e.subject, patientRef) && e.status !== 'entered-in-error' && (e.participant ?? []).some((p) => isMe(p.individual)),
  );
  return onCareTeam || isGp || inEncounter;
}

/**
 * Runs the provider check a decision asks for: `true` when no check is needed, when break-glass is in
 * effect, or when the checker lets the practitioner open every listed patient.
 */
export async function passesProviderCheck(principal: Principal, decision: AllowDecision, checker: ProviderAccessChecker): Promise<boolean> {
  const check = decision.providerCheck;
  if (!check || decision.breakGlass || 'fromResults' in check) return true;
  if (!practitionerReference(principal)) return false;
  const answers = await Promise.all(check.patientIds.map((id) => checker.canOpen(principal, id)));
  return answers.every(Boolean);
}

/**
 * For `providerCheck: { fromResults: true }`: removes every returned resource with a patient the
 * practitioner may not open (a single resource gives `null`, answer 404). Each patient is checked once.
 */
export async function filterByProviderAccess<T extends Resource>(
  resource: T,
  principal: Principal,
  decision: AllowDecision,
  checker: ProviderAccessChecker,
  compartments?: CompartmentMemo,
): Promise<T | null> {
  const check = decision.providerCheck;
  if (!check || decision.breakGlass || !('fromResults' in check)) return resource;
  const memo = new Map<string, Promise<boolean>>();
  const canOpen = (id: string): Promise<boolean> => {
    let p = memo.get(id);
    if (!p) memo.set(id, (p = checker.canOpen(principal, id)));
    return p;
  };
  const allowed = async (r: Resource): Promise<boolean> => (await Promise.all(compartmentPatientIds(r, compartments).map(canOpen))).every(Boolean);
  if (resource.resourceType !== 'Bundle') return (await allowed(resource)) ? resource : null;
  const bundle = resource as Bundle;
  const entries = bundle.entry ?? [];
  const keep = await Promise.all(entries.map((e) => (e.resource ? allowed(e.resource) : Promise.resolve(true))));
  if (bundle.type === 'batch-response' || bundle.type === 'transaction-response') {
    // Response entries answer request entries by position: replace, never remove.
    const entry = entries.map((e, i) => (keep[i] ? e : { response: { status: '404 Not Found', outcome: notFound().outcome } }));
    return { ...bundle, entry } as unknown as T;
  }
  const entry = entries.filter((_, i) => keep[i]);
  const out: Bundle = { ...bundle, entry };
  if (entry.length !== entries.length) delete out.total;
  return out as unknown as T;
}

function refIs(ref: Reference | undefined, expected: string): boolean {
  return !!ref?.reference && relative(ref.reference) === expected;
}

/** `https://x/fhir/Practitioner/1/_history/2` → `Practitioner/1`. */
function relative(reference: string): string {
  const m = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return m ? m[1]! : reference;
}
