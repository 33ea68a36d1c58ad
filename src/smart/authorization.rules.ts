/**
 * The request rules that apply whatever the scope context: capabilities, break-glass preconditions,
 * operations, body/URL agreement, and the default denial that names the missing scope.
 *
 * @see https://hapifhir.io/hapi-fhir/docs/security/authorization_interceptor.html
 * @see https://hl7.org/fhir/R4/http.html#update
 */
import type { Resource } from '@medplum/fhirtypes';
import type { AllowDecision, AuthorizationRule, RuleContext, RuleVerdict } from './authorization.types.js';
import { requiredPermission } from './fhir-interaction.js';
import type { SmartPermission } from './smart-scope.parser.js';

export const deny = (rule: string): RuleVerdict => ({ verdict: 'deny', rule });

/** Capabilities (`/metadata`) are public. */
export const capabilitiesRule: AuthorizationRule = {
  name: 'capabilities',
  evaluate: ({ interaction, config }) =>
    interaction.interaction === 'capabilities'
      ? { verdict: 'allow', rule: 'capabilities', visibility: { referenceDataTypes: config.referenceDataTypes, contexts: [] } }
      : undefined,
};

/**
 * Break-glass needs the configured role and a non-empty reason, and exists for practitioners only.
 * A request without the header is not a break-glass request (not mine).
 *
 * @see https://terminology.hl7.org/CodeSystem-v3-ActReason.html#v3-ActReason-BTG
 */
export const breakGlassPreconditionRule: AuthorizationRule = {
  name: 'break-glass',
  evaluate: ({ interaction, principal, config }) => {
    if (interaction.breakGlassReason === undefined) return undefined;
    if (principal.kind !== 'practitioner') return deny('break-glass-practitioner-only');
    if (!principal.roles.includes(config.breakGlassRole)) return deny('break-glass-role-required');
    if (!interaction.breakGlassReason.trim()) return deny('break-glass-reason-required');
    return undefined;
  },
};

/**
 * Operations are denied unless `Patient/$everything` or listed in the configuration; an allowed operation
 * goes on to the scope rules with the letter it is configured with.
 */
export const operationAllowlistRule: AuthorizationRule = {
  name: 'operation-not-allowed',
  evaluate: (ctx) => {
    const { interaction } = ctx;
    if (interaction.interaction !== 'operation') return undefined;
    if (isPatientEverything(ctx)) return undefined;
    return operationPermission(ctx) ? undefined : deny('operation-not-allowed');
  },
};

/** `Patient/<id>/$everything`. */
export function isPatientEverything({ interaction }: RuleContext): boolean {
  return (
    interaction.interaction === 'operation' &&
    interaction.operation?.name === '$everything' &&
    interaction.resourceType === 'Patient' &&
    interaction.operation.level === 'instance'
  );
}

/** The letter an allow-listed operation needs, or `undefined` if it is not allowed. */
export function operationPermission({ interaction, config }: RuleContext): SmartPermission | undefined {
  const op = interaction.operation;
  if (!op) return undefined;
  const entry = config.allowedOperations.find(
    (a) =>
      a.name === op.name &&
      (!a.levels || a.levels.includes(op.level)) &&
      (!a.resourceTypes || (interaction.resourceType !== undefined && a.resourceTypes.includes(interaction.resourceType))),
  );
  return entry?.permission;
}

/**
 * A written resource must be of the URL's type, and for update carry the URL's id.
 *
 * @see https://hl7.org/fhir/R4/http.html#update
 */
export const bodyMatchesUrlRule: AuthorizationRule = {
  name: 'body-matches-url',
  evaluate: ({ interaction }) => {
    const kind = interaction.interaction;
    if (kind !== 'create' && kind !== 'update' && kind !== 'patch') return undefined;
    const body = kind === 'patch' ? interaction.after : (interaction.body as Resource | undefined);
    if (kind === 'patch' && body === undefined) return undefined;
    if (!isResourceLike(body) || body.resourceType !== interaction.resourceType) return deny('body-type-mismatch');
    if (kind !== 'create' && interaction.id !== undefined && body.id !== interaction.id) return deny('body-id-mismatch');
    return undefined;
  },
};

/** The letter the request needs on its type (operations: configured; `$everything`: `r`). */
export function neededPermission(ctx: RuleContext): SmartPermission | undefined {
  if (ctx.interaction.interaction === 'operation') return isPatientEverything(ctx) ? 'r' : operationPermission(ctx);
  return requiredPermission(ctx.interaction.interaction);
}

export function isResourceLike(value: unknown): value is Resource {
  return typeof value === 'object' && value !== null && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}

/** Builds an allow decision. */
export function allow(ctx: RuleContext, rule: string, rest: Omit<AllowDecision, 'verdict' | 'rule' | 'visibility'> & { patientId?: string }): AllowDecision {
  const { patientId, ...others } = rest;
  const contexts = others.context ? [others.context] : [];
  return {
    verdict: 'allow',
    rule,
    ...others,
    visibility: { ...(patientId ? { patientId } : {}), referenceDataTypes: ctx.config.referenceDataTypes, contexts },
  };
}
