/**
 * Types of the authorization decision: configuration, verdicts and what an allow carries for the
 * layers after it (search narrowing, visibility on the way out, provider access, break-glass).
 *
 * Semantics follow HAPI FHIR's AuthorizationInterceptor: rules in order, each says allow, deny or
 * "not mine"; the first verdict wins; no verdict is a denial; a denial names its rule.
 *
 * @see https://hapifhir.io/hapi-fhir/docs/security/authorization_interceptor.html
 * @see https://hapifhir.io/hapi-fhir/docs/security/search_narrowing_interceptor.html
 */
import type { Principal } from '../auth/principal.js';
import type { FhirInteraction } from './fhir-interaction.js';
import type { ScopeContext, SmartPermission } from './smart-scope.parser.js';

/** Which patients a practitioner (`user/` scopes) may open. */
export type ProviderAccessMode = 'care-team' | 'organization';

/** An operation permitted besides `Patient/$everything`, and the SMART letter it needs on its type. */
export interface AllowedOperation {
  /** With the `$`, e.g. `$validate`. */
  readonly name: string;
  /** Types it may run on; omitted = any type (and system level). */
  readonly resourceTypes?: readonly string[];
  readonly levels?: readonly ('system' | 'type' | 'instance')[];
  readonly permission: SmartPermission;
}

export interface AuthorizationConfig {
  /**
   * Types outside the Patient compartment that a patient-context client may read when it holds a
   * scope for that type (e.g. the Practitioner who wrote a note).
   */
  readonly referenceDataTypes: readonly string[];
  /** Operations other than `Patient/$everything`; anything not listed is denied. */
  readonly allowedOperations: readonly AllowedOperation[];
  readonly providerAccess: ProviderAccessMode;
  /** Application role that may invoke break-glass. */
  readonly breakGlassRole: string;
}

export const DEFAULT_REFERENCE_DATA_TYPES: readonly string[] = [
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
];

export const DEFAULT_AUTHORIZATION_CONFIG: AuthorizationConfig = {
  referenceDataTypes: DEFAULT_REFERENCE_DATA_TYPES,
  allowedOperations: [],
  providerAccess: 'care-team',
  breakGlassRole: 'break-glass',
};

/** Patients a practitioner must be allowed to open (by the {@link ProviderAccessChecker}) before data is shown. */
export type ProviderCheck =
  /** These patients, known from the request: check before calling the backend. */
  | { readonly patientIds: readonly string[] }
  /** Not known until the backend answers: check the patients of every returned resource. */
  | { readonly fromResults: true };

/** What may be shown on the way out; read by `filterVisible`. */
export interface Visibility {
  /** Patient-context access: every resource must be in this patient's compartment or allowed reference data. */
  readonly patientId?: string;
  readonly referenceDataTypes: readonly string[];
  /** Scope contexts whose scopes grant visibility of a returned resource's type. */
  readonly contexts: readonly ScopeContext[];
}

export interface AllowDecision {
  readonly verdict: 'allow';
  /** The rule that allowed. */
  readonly rule: string;
  /** Context of the scopes that granted (absent for capabilities). */
  readonly context?: ScopeContext;
  /** For searches: the full query to send upstream (client parameters plus narrowing). */
  readonly narrowing?: { readonly params: Readonly<Record<string, readonly string[]>> };
  readonly visibility: Visibility;
  /** Practitioner access: patients to check against the provider access policy. */
  readonly providerCheck?: ProviderCheck;
  /** Emergency access: the audit records purpose of use BTG with this reason. */
  readonly breakGlass?: { readonly reason: string };
  /** Batch: one decision per entry, in entry order (transactions are all-or-nothing). */
  readonly entries?: readonly AuthorizationDecision[];
}

export interface DenyDecision {
  readonly verdict: 'deny';
  /** The rule that denied, e.g. `scope-missing:Observation.s` (for `forbidden(rule)`). */
  readonly rule: string;
}

export type AuthorizationDecision = AllowDecision | DenyDecision;

/** A rule's answer: a verdict, or `undefined` for "not mine". */
export type RuleVerdict = AuthorizationDecision | undefined;

/** Everything a rule may read, computed once per request. */
export interface RuleContext {
  readonly principal: Principal;
  readonly interaction: FhirInteraction;
  readonly config: AuthorizationConfig;
}

/** One authorization rule. */
export interface AuthorizationRule {
  readonly name: string;
  evaluate(ctx: RuleContext): RuleVerdict;
}
