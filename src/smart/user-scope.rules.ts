/**
 * `user/` scopes of a practitioner and `system/` scopes of a backend service.
 *
 * A practitioner reaches the patients the provider access policy lets them open: the decision lists
 * those patients (or asks for the patients of the results) for a {@link ProviderAccessChecker}; break-glass
 * replaces that check and is flagged for audit. A backend service reaches all patients, limited by the
 * types and letters of its scopes.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#user-level-scopes
 * @see https://hl7.org/fhir/smart-app-launch/backend-services.html#scopes
 */
import type { Resource } from '@medplum/fhirtypes';
import { allow, deny, isPatientEverything, isResourceLike } from './authorization.rules.js';
import type { AuthorizationRule, ProviderCheck, RuleContext, RuleVerdict } from './authorization.types.js';
import { isSearchLike, isWrite } from './fhir-interaction.js';
import { compartmentPatientIds, isPatientCompartmentType } from './patient-compartment.js';
import { coverage } from './scope-coverage.js';
import { practitionerReference } from './scope-grants.js';
import { matchesAnyScope, scopeQueryNarrowing } from './scope-query.matcher.js';
import { appendParams, patientIdsNamedIn } from './search-narrowing.js';
import type { ResourceScope } from './smart-scope.parser.js';

/** Backend services: every patient, within the types and letters of their `system/` scopes. */
export const systemScopeRule: AuthorizationRule = {
  name: 'system-scope',
  evaluate: (ctx) => {
    if (ctx.principal.kind !== 'system') return undefined;
    const cov = coverage(ctx, 'system');
    if (cov.missing) return undefined;
    const writeCheck = writeMatchesGrants(ctx, cov.grants);
    if (writeCheck) return writeCheck;
    return allow(ctx, 'system-scope', { context: 'system', ...granularNarrowing(ctx, cov.grants) });
  },
};

/** Practitioners: patients they may open by the provider access policy, or any patient by break-glass. */
export const userScopeRule: AuthorizationRule = {
  name: 'user-scope',
  evaluate: (ctx) => {
    if (ctx.principal.kind !== 'practitioner') return undefined;
    const cov = coverage(ctx, 'user');
    if (cov.missing) return undefined;
    if (!practitionerReference(ctx.principal)) return deny('practitioner-identity-required');
    const { interaction } = ctx;
    if (isWrite(interaction.interaction) && interaction.interaction !== 'create' && interaction.id !== undefined && interaction.before === undefined) {
      return deny('write-current-version-required');
    }
    const writeCheck = writeMatchesGrants(ctx, cov.grants);
    if (writeCheck) return writeCheck;
    const base = { context: 'user' as const, ...granularNarrowing(ctx, cov.grants) };
    const providerCheck = patientsToCheck(ctx);
    const reason = interaction.breakGlassReason?.trim();
    // Preconditions (role, non-empty reason) were enforced by the break-glass rule before this one.
    // Break-glass opens named patients (or one resource), never a search across all patients.
    if (reason && providerCheck && 'fromResults' in providerCheck && isSearchLike(interaction.interaction)) {
      return deny('break-glass-patient-required');
    }
    // The provider check is kept so the caller knows which patients the grant covers; it is not enforced under break-glass.
    if (reason) return allow(ctx, 'break-glass', { ...base, breakGlass: { reason }, ...(providerCheck ? { providerCheck } : {}) });
    return allow(ctx, 'user-scope', providerCheck ? { ...base, providerCheck } : base);
  },
};

/** Which patients the provider access policy must let this practitioner open for the request. */
function patientsToCheck(ctx: RuleContext): ProviderCheck | undefined {
  const { interaction } = ctx;
  const type = interaction.resourceType;
  const kind = interaction.interaction;
  if (kind === 'search-system' || kind === 'history-system') return { fromResults: true };
  if (kind === 'search-compartment') {
    return interaction.compartment?.resourceType === 'Patient' ? { patientIds: [interaction.compartment.id] } : { fromResults: true };
  }
  if (!type || !isPatientCompartmentType(type)) return undefined;
  if (isPatientEverything(ctx) || (type === 'Patient' && interaction.id !== undefined && !isWrite(kind))) {
    return { patientIds: [interaction.id!] };
  }
  if (isWrite(kind)) {
    const ids = new Set<string>();
    if (type === 'Patient' && interaction.id !== undefined) ids.add(interaction.id);
    for (const r of writeStates(ctx)) for (const id of compartmentPatientIds(r)) ids.add(id);
    if (interaction.id === undefined) for (const id of patientIdsNamedIn(type, interaction.params)) ids.add(id);
    return ids.size ? { patientIds: [...ids] } : undefined;
  }
  if (kind === 'search-type' || kind === 'history-type') {
    const named = [...new Set(patientIdsNamedIn(type, interaction.params))];
    return named.length && kind === 'search-type' ? { patientIds: named } : { fromResults: true };
  }
  return { fromResults: true };
}

/** The resource states a write touches: the body (create, update), the stored version, the patched result. */
function writeStates(ctx: RuleContext): Resource[] {
  const { interaction } = ctx;
  const states: Resource[] = [];
  if (isResourceLike(interaction.body)) states.push(interaction.body);
  if (interaction.before) states.push(interaction.before);
  if (interaction.after) states.push(interaction.after);
  return states;
}

/** Under granular scopes a written resource must match a granting scope's query, before and after. */
function writeMatchesGrants(ctx: RuleContext, grants: readonly ResourceScope[]): RuleVerdict {
  if (!isWrite(ctx.interaction.interaction)) return undefined;
  return writeStates(ctx).every((r) => matchesAnyScope(r, grants)) ? undefined : deny('scope-query-not-matched');
}

function granularNarrowing(ctx: RuleContext, grants: readonly ResourceScope[]): { narrowing?: { params: Record<string, string[]> } } {
  const kind = ctx.interaction.interaction;
  if (kind !== 'search-type' && kind !== 'search-compartment') return {};
  const params: Record<string, string[]> = {};
  for (const [k, vs] of Object.entries(ctx.interaction.params ?? {})) params[k] = [...vs];
  const extra = scopeQueryNarrowing(grants);
  return { narrowing: { params: extra ? appendParams(params, extra) : params } };
}
