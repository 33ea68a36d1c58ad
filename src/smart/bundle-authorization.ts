/**
 * Batch and transaction: every entry is authorized on its own, as if sent alone. In a batch a denied
 * entry gets a 403 entry response and the others proceed; a transaction is all or nothing.
 *
 * @see https://hl7.org/fhir/R4/http.html#transaction
 * @see https://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.response
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { forbidden } from '../fhir/outcomes.js';
import type { AllowDecision, AuthorizationConfig, AuthorizationDecision } from './authorization.types.js';
import type { FhirInteraction } from './fhir-interaction.js';
import { interactionFromRequest } from './fhir-interaction.parser.js';

/** Per entry index: the stored resource (`null` = checked, absent) and, for patch, the patched result. */
export type BundleEntryStates = readonly ({ readonly before?: Resource | null; readonly after?: Resource } | undefined)[];

/** Turns one Bundle entry into the interaction it requests, or `undefined` when it is not a valid request. */
export function interactionFromBundleEntry(entry: BundleEntry, breakGlassReason?: string): FhirInteraction | undefined {
  const method = entry.request?.method;
  const url = entry.request?.url;
  if (!method || !url) return undefined;
  const interaction = interactionFromRequest(method, url, entry.resource);
  if (!interaction) return undefined;
  return breakGlassReason === undefined ? interaction : { ...interaction, breakGlassReason };
}

/**
 * Authorizes a batch or transaction request. Nested batches/transactions and entries that are not
 * FHIR requests are denied (`bundle-entry-invalid`). Returns, for a batch, an allow carrying one decision
 * per entry; for a transaction, the first entry denial, else an allow with every entry's decision.
 */
export function authorizeBundle(
  interaction: FhirInteraction,
  config: AuthorizationConfig,
  states: BundleEntryStates,
  authorizeOne: (interaction: FhirInteraction) => AuthorizationDecision,
): AuthorizationDecision {
  const bundle = interaction.body as Bundle | undefined;
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== interaction.interaction) return { verdict: 'deny', rule: 'bundle-type-mismatch' };
  const entries = (bundle.entry ?? []).map((entry, index): AuthorizationDecision => {
    const one = interactionFromBundleEntry(entry, interaction.breakGlassReason);
    if (!one || one.interaction === 'batch' || one.interaction === 'transaction') return { verdict: 'deny', rule: 'bundle-entry-invalid' };
    const state = states[index];
    return authorizeOne(state ? { ...one, ...stateFields(state) } : one);
  });
  if (interaction.interaction === 'transaction') {
    const denied = entries.find((d) => d.verdict === 'deny');
    if (denied) return denied;
  }
  const allowed = entries.filter((d): d is AllowDecision => d.verdict === 'allow');
  const patientId = allowed.find((d) => d.visibility.patientId)?.visibility.patientId;
  const contexts = [...new Set(allowed.flatMap((d) => d.visibility.contexts))];
  const breakGlass = allowed.find((d) => d.breakGlass)?.breakGlass;
  return {
    verdict: 'allow',
    rule: 'bundle-entries',
    visibility: { ...(patientId ? { patientId } : {}), referenceDataTypes: config.referenceDataTypes, contexts },
    ...(breakGlass ? { breakGlass } : {}),
    entries,
  };
}

function stateFields(state: NonNullable<BundleEntryStates[number]>): Pick<FhirInteraction, 'before' | 'after'> {
  return {
    ...(state.before !== undefined ? { before: state.before } : {}),
    ...(state.after ? { after: state.after } : {}),
  };
}

/** The response entry for a denied batch entry: `403 Forbidden` with the OperationOutcome naming the rule. */
export function deniedBatchEntry(rule: string): BundleEntry {
  return { response: { status: '403 Forbidden', outcome: forbidden(rule).outcome } };
}
