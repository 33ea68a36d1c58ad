/**
 * The authorization decision for one FHIR request: ordered rules built from the principal and the
 * configuration, first verdict wins, default deny naming the missing scope (HAPI AuthorizationInterceptor
 * semantics). Pure: no I/O; provider access is returned as a check for the caller to run.
 *
 * @see https://hapifhir.io/hapi-fhir/docs/security/authorization_interceptor.html
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
import type { Principal } from '../auth/principal.js';
import {
  bodyMatchesUrlRule,
  breakGlassPreconditionRule,
  capabilitiesRule,
  deny,
  operationAllowlistRule,
} from './authorization.rules.js';
import {
  DEFAULT_AUTHORIZATION_CONFIG,
  type AuthorizationConfig,
  type AuthorizationDecision,
  type AuthorizationRule,
  type RuleContext,
} from './authorization.types.js';
import { authorizeBundle, type BundleEntryStates } from './bundle-authorization.js';
import type { FhirInteraction } from './fhir-interaction.js';
import { patientScopeRule } from './patient-scope.rules.js';
import { coverage } from './scope-coverage.js';
import { systemScopeRule, userScopeRule } from './user-scope.rules.js';

/** The last rule: nothing allowed, so the request lacked a scope; the denial names it. */
const defaultDenyRule: AuthorizationRule = {
  name: 'scope-missing',
  evaluate: (ctx: RuleContext) => {
    const missing = coverage(ctx, 'patient').missing;
    return deny(missing && !missing.endsWith('.?') ? `scope-missing:${missing}` : 'default-deny');
  },
};

/**
 * The ordered rules for a principal: capabilities, break-glass preconditions, operation allowlist,
 * body/URL agreement, then scope rules by context (system for backend services, user for practitioners,
 * patient for patient context), then the default deny.
 */
export function buildRules(principal: Principal, _config: AuthorizationConfig = DEFAULT_AUTHORIZATION_CONFIG): readonly AuthorizationRule[] {
  const scopeRules: AuthorizationRule[] = [];
  if (principal.kind === 'system') scopeRules.push(systemScopeRule);
  if (principal.kind === 'practitioner') scopeRules.push(userScopeRule);
  scopeRules.push(patientScopeRule);
  return [capabilitiesRule, breakGlassPreconditionRule, operationAllowlistRule, bodyMatchesUrlRule, ...scopeRules, defaultDenyRule];
}

/** Options for {@link authorizeRequest}. */
export interface AuthorizeOptions {
  /** Batch/transaction: stored and patched states per entry index (see {@link FhirInteraction.before}). */
  readonly entryStates?: BundleEntryStates;
}

/**
 * Decides one request. Returns `{ verdict: 'allow', … }` with what the layers after it must apply
 * (`narrowing.params` to send upstream, `visibility` for `filterVisible`, `providerCheck`, `breakGlass`,
 * per-entry `entries` for a batch), or `{ verdict: 'deny', rule }` for `forbidden(rule)`.
 * A transaction is denied as a whole when any entry is denied, naming that entry's rule.
 */
export function authorizeRequest(
  principal: Principal,
  interaction: FhirInteraction,
  config: AuthorizationConfig = DEFAULT_AUTHORIZATION_CONFIG,
  options: AuthorizeOptions = {},
): AuthorizationDecision {
  if (interaction.interaction === 'batch' || interaction.interaction === 'transaction') {
    return authorizeBundle(interaction, config, options.entryStates ?? [], (i) =>
      authorizeRequest(principal, i, config),
    );
  }
  const ctx: RuleContext = { principal, interaction, config };
  for (const rule of buildRules(principal, config)) {
    const verdict = rule.evaluate(ctx);
    if (verdict) return verdict;
  }
  return { verdict: 'deny', rule: 'default-deny' };
}
