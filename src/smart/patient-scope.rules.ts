/**
 * `patient/` scopes: access to the patient in context and nothing else. Each check names the rule it
 * enforces; the first that denies ends the decision, and a request that passes them all is allowed,
 * narrowed to the patient's compartment, with every returned resource checked again on the way out.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#patient-specific-scopes
 * @see https://hl7.org/fhir/R4/compartmentdefinition-patient.html
 * @see https://hapifhir.io/hapi-fhir/docs/security/search_narrowing_interceptor.html
 */
import type { Resource } from '@medplum/fhirtypes';
import { allow, deny, isPatientEverything, isResourceLike } from './authorization.rules.js';
import type { AuthorizationRule, RuleContext, RuleVerdict } from './authorization.types.js';
import { isWrite } from './fhir-interaction.js';
import { isInPatientCompartment, isPatientCompartmentType } from './patient-compartment.js';
import { coverage } from './scope-coverage.js';
import { patientInContext } from './scope-grants.js';
import { matchesAnyScope, scopeQueryNarrowing } from './scope-query.matcher.js';
import { appendParams, narrowSearchToPatient, patientIdsNamedIn, refusedSearchParam } from './search-narrowing.js';
import type { ResourceScope } from './smart-scope.parser.js';

interface PatientCtx extends RuleContext {
  readonly patientId: string;
  readonly grants: readonly ResourceScope[];
}

type PatientCheck = (ctx: PatientCtx) => RuleVerdict;

/** Patient-context access: applies when the principal's `patient/` scopes cover the request. */
export const patientScopeRule: AuthorizationRule = {
  name: 'patient-scope',
  evaluate: (ctx) => {
    const cov = coverage(ctx, 'patient');
    if (cov.missing) return undefined;
    const patientId = patientInContext(ctx.principal);
    if (!patientId) return deny('patient-context-required');
    const pctx: PatientCtx = { ...ctx, patientId, grants: cov.grants };
    for (const check of PATIENT_CHECKS) {
      const verdict = check(pctx);
      if (verdict) return verdict;
    }
    return undefined;
  },
};

/** No system-wide search or history, no type history: they cannot be narrowed to one patient. */
const noSystemWide: PatientCheck = ({ interaction }) => {
  const kind = interaction.interaction;
  if (kind === 'search-system' || kind === 'history-system') return deny('system-search-denied');
  if (kind === 'operation' && interaction.operation?.level === 'system') return deny('system-search-denied');
  if (kind === 'history-type') return deny('type-history-denied');
  return undefined;
};

/** `Patient/<id>/Type` only for the patient in context, and no other compartments. */
const ownCompartmentOnly: PatientCheck = ({ interaction, patientId }) => {
  if (interaction.interaction !== 'search-compartment') return undefined;
  if (interaction.compartment?.resourceType !== 'Patient') return deny('compartment-type-not-permitted');
  return interaction.compartment.id === patientId ? undefined : deny('compartment-value-not-permitted');
};

/** `_has`, chains reaching other patients, `_filter`/`_query`: refused in any query the patient sends. */
const noEscapingParams: PatientCheck = ({ interaction }) => {
  const rule = refusedSearchParam(interaction.params);
  return rule ? deny(rule) : undefined;
};

/** Types outside the compartment: configured reference data may be read; everything else is refused. */
const compartmentTypesOnly: PatientCheck = (ctx) => {
  const type = ctx.interaction.resourceType;
  if (!type || isPatientCompartmentType(type)) return undefined;
  if (!ctx.config.referenceDataTypes.includes(type)) return deny('type-outside-compartment');
  if (isWrite(ctx.interaction.interaction) || ctx.interaction.interaction === 'operation') return deny('reference-data-read-only');
  return allow(ctx, 'reference-data', { context: 'patient', patientId: ctx.patientId, ...granularNarrowing(ctx) });
};

/** A Patient instance (read, history, write, `$everything`) must be the patient in context. */
const ownPatientOnly: PatientCheck = ({ interaction, patientId }) => {
  if (interaction.resourceType !== 'Patient' || interaction.id === undefined) return undefined;
  return interaction.id === patientId ? undefined : deny('compartment-value-not-permitted');
};

/** Writes stay in the compartment before and after, and match the granting scopes' queries. */
const writesStayInCompartment: PatientCheck = (ctx) => {
  const { interaction, patientId, grants } = ctx;
  const kind = interaction.interaction;
  if (!isWrite(kind)) return undefined;
  if (interaction.id === undefined && patientIdsNamedIn(interaction.resourceType!, interaction.params).some((id) => id !== patientId)) {
    return deny('compartment-value-not-permitted');
  }
  if (kind === 'create' && interaction.resourceType === 'Patient') return deny('write-outside-compartment');
  const states: Resource[] = [];
  if (kind === 'create' || kind === 'update') {
    if (!isResourceLike(interaction.body)) return deny('body-type-mismatch');
    states.push(interaction.body);
  }
  if (kind !== 'create') {
    // The stored version must be supplied (null: checked, does not exist) so a write cannot take over another patient's resource.
    if (interaction.before === undefined && interaction.id !== undefined) return deny('write-current-version-required');
    if (interaction.before) states.push(interaction.before);
  }
  if (kind === 'patch') {
    if (!interaction.after || !interaction.before) return deny('write-current-version-required');
    states.push(interaction.after);
  }
  if (states.some((r) => !isInPatientCompartment(r, patientId))) return deny('write-outside-compartment');
  if (states.some((r) => !matchesAnyScope(r, grants))) return deny('scope-query-not-matched');
  return undefined;
};

/** Searches: the client's query intersected with the patient's compartment and the scopes' queries. */
const narrowSearch: PatientCheck = (ctx) => {
  const { interaction, patientId } = ctx;
  const kind = interaction.interaction;
  if (kind !== 'search-type' && kind !== 'search-compartment') return undefined;
  const narrowed = narrowSearchToPatient(interaction.resourceType!, interaction.params, patientId);
  if ('deny' in narrowed) return deny(narrowed.deny);
  // A compartment search is already bounded by its path; the parameter is still checked above.
  const params = kind === 'search-compartment' ? copy(interaction.params) : narrowed.params;
  const extra = scopeQueryNarrowing(ctx.grants);
  return allow(ctx, 'patient-compartment', {
    context: 'patient',
    patientId,
    narrowing: { params: extra ? appendParams(params, extra) : params },
  });
};

/** Reads, `$everything` and writes that passed the checks: allowed, with the compartment enforced on the way out. */
const allowInCompartment: PatientCheck = (ctx) => {
  const kind = ctx.interaction.interaction;
  if (kind === 'operation' && !isPatientEverything(ctx) && ctx.interaction.operation?.level !== 'instance') {
    // An allow-listed type-level operation cannot be narrowed by this layer.
    return deny('operation-not-allowed');
  }
  return allow(ctx, 'patient-compartment', { context: 'patient', patientId: ctx.patientId });
};

const PATIENT_CHECKS: readonly PatientCheck[] = [
  noSystemWide,
  ownCompartmentOnly,
  noEscapingParams,
  compartmentTypesOnly,
  ownPatientOnly,
  writesStayInCompartment,
  narrowSearch,
  allowInCompartment,
];

function granularNarrowing(ctx: PatientCtx): { narrowing?: { params: Record<string, string[]> } } {
  const kind = ctx.interaction.interaction;
  if (kind !== 'search-type') return {};
  const extra = scopeQueryNarrowing(ctx.grants);
  const params = copy(ctx.interaction.params);
  return { narrowing: { params: extra ? appendParams(params, extra) : params } };
}

function copy(params: RuleContext['interaction']['params']): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, vs] of Object.entries(params ?? {})) out[k] = [...vs];
  return out;
}
