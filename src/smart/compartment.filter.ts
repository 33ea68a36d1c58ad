/**
 * Visibility on the way out: every resource about to be returned is checked again, whatever the request
 * was (search entries, `_include`/`_revinclude` results, outcomes, contained resources, batch and
 * transaction responses, history, `$everything`). Deciding visibility comes before masking, which only redacts.
 *
 * @see https://hapifhir.io/hapi-fhir/docs/security/authorization_interceptor.html
 * @see https://hl7.org/fhir/R4/compartmentdefinition-patient.html
 * @see https://hl7.org/fhir/R4/references.html#contained
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { Principal } from '../auth/principal.js';
import { notFound } from '../fhir/outcomes.js';
import type { AllowDecision, AuthorizationDecision } from './authorization.types.js';
import { isInPatientCompartment, isPatientCompartmentType, type CompartmentMemo } from './patient-compartment.js';
import { visibleScopesFor } from './scope-grants.js';
import { matchesAnyScope } from './scope-query.matcher.js';

/** Bundle types whose entries are results to filter; other Bundles (documents, collections) are resources. */
const RESULT_BUNDLES = new Set(['searchset', 'history', 'batch-response', 'transaction-response']);

/**
 * Returns what the principal may see of a response: a Bundle without the entries it may not see (and
 * `total` no longer counting them), or a single resource with non-compartment `contained` resources
 * stripped, or `null` when the single resource may not be seen (answer 404). Never mutates its input.
 * `memo` keeps each resource's compartment membership for the rest of the request (see CompartmentMemo).
 */
export function filterVisible<T extends Resource>(resource: T, principal: Principal, decision: AllowDecision, memo?: CompartmentMemo): T | null {
  if (isResultBundle(resource)) return filterBundle(resource, principal, decision, memo) as unknown as T;
  if (resource.resourceType === 'CapabilityStatement' && decision.rule === 'capabilities') return resource;
  if (resource.resourceType === 'OperationOutcome') return resource;
  return isVisible(resource, principal, decision, memo) ? stripContained(resource, decision) : null;
}

/**
 * True when the principal may see this resource under the decision: a scope of the decision's context
 * covers its type (and, for granular scopes, the resource matches the scope's query); under patient
 * context it is in the patient's compartment or is configured reference data.
 */
export function isVisible(resource: Resource, principal: Principal, decision: AllowDecision, memo?: CompartmentMemo): boolean {
  const { visibility } = decision;
  const scopes = visibleScopesFor(principal, visibility.contexts, resource.resourceType);
  if (!scopes.length || !matchesAnyScope(resource, scopes)) return false;
  if (visibility.patientId === undefined) return true;
  if (isPatientCompartmentType(resource.resourceType)) return isInPatientCompartment(resource, visibility.patientId, memo);
  return visibility.referenceDataTypes.includes(resource.resourceType);
}

function isResultBundle(resource: Resource): resource is Bundle {
  return resource.resourceType === 'Bundle' && RESULT_BUNDLES.has((resource as Bundle).type ?? '');
}

function filterBundle(bundle: Bundle, principal: Principal, decision: AllowDecision, memo?: CompartmentMemo): Bundle {
  if (bundle.type === 'batch-response' || bundle.type === 'transaction-response') {
    // Entries answer request entries by position: replace what may not be seen, never remove.
    const entry = (bundle.entry ?? []).map((e, i) => filterResponseEntry(e, principal, decision.entries?.[i] ?? decision, memo));
    return { ...bundle, entry };
  }
  const before = bundle.entry ?? [];
  const entry: BundleEntry[] = [];
  let removedMatches = false;
  for (const e of before) {
    const kept = filterResultEntry(e, principal, decision, memo);
    if (kept) entry.push(kept);
    else if ((e.search?.mode ?? 'match') === 'match') removedMatches = true;
  }
  const out: Bundle = { ...bundle, entry };
  if (!entry.length) delete out.entry;
  if (removedMatches && out.total !== undefined) {
    // A total that counted removed entries would reveal them; recount when this is the only page.
    const paged = (bundle.link ?? []).some((l) => l.relation === 'next' || l.relation === 'previous' || l.relation === 'prev');
    if (paged) delete out.total;
    else out.total = entry.filter((e) => (e.search?.mode ?? 'match') === 'match').length;
  }
  return out;
}

function filterResultEntry(e: BundleEntry, principal: Principal, decision: AllowDecision, memo?: CompartmentMemo): BundleEntry | undefined {
  const resource = e.resource;
  if (!resource) {
    // History entries of deletions name an id but carry nothing to check: shown only without patient context.
    return decision.visibility.patientId === undefined ? e : undefined;
  }
  if (resource.resourceType === 'OperationOutcome') return undefined;
  if (isResultBundle(resource)) return { ...e, resource: filterBundle(resource, principal, decision, memo) };
  return isVisible(resource, principal, decision, memo) ? { ...e, resource: stripContained(resource, decision) } : undefined;
}

function filterResponseEntry(e: BundleEntry, principal: Principal, decision: AuthorizationDecision, memo?: CompartmentMemo): BundleEntry {
  if (decision.verdict === 'deny') {
    // The caller answered a denied entry with 403 without sending it upstream; never show a resource there.
    return { response: e.response?.status?.startsWith('403') ? e.response : hidden() };
  }
  const resource = e.resource;
  if (!resource || resource.resourceType === 'OperationOutcome') return e;
  if (isResultBundle(resource)) return { ...e, resource: filterBundle(resource, principal, decision, memo) };
  return isVisible(resource, principal, decision, memo) ? { ...e, resource: stripContained(resource, decision) } : { response: hidden() };
}

function hidden(): NonNullable<BundleEntry['response']> {
  return { status: '404 Not Found', outcome: notFound().outcome };
}

/**
 * Under patient context, drops contained resources of compartment types that are not in the patient's
 * compartment (contained Patients always: their ids are local, so they are someone else). Contained
 * non-compartment resources (a Medication, an Organization) are part of their container and stay.
 */
function stripContained<T extends Resource>(resource: T, decision: AllowDecision): T {
  const patientId = decision.visibility.patientId;
  const contained = (resource as { contained?: Resource[] }).contained;
  if (patientId === undefined || !contained?.length) return resource;
  const kept = contained.filter(
    (c) => !isPatientCompartmentType(c.resourceType) || (c.resourceType !== 'Patient' && isInPatientCompartment(c, patientId)),
  );
  if (kept.length === contained.length) return resource;
  const copy = { ...resource } as T & { contained?: Resource[] };
  if (kept.length) copy.contained = kept;
  else delete copy.contained;
  return copy;
}
