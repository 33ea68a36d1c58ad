/**
 * Types of the PHI masking policy: the JSON document as written in `policies/masking-policy.v<N>.json`
 * and the compiled form the engine runs.
 *
 * The model follows Microsoft's FHIR anonymization tool (ordered FHIRPath rules, first match wins,
 * methods redact / cryptoHash / substitute / keep), applied per caller at request time.
 *
 * @see https://github.com/microsoft/Tools-for-Health-Data-Anonymization/blob/master/docs/FHIR-anonymization.md
 * @see https://hl7.org/fhirpath/N1/
 */

/** What a rule does to each element its selector picks. */
export type MaskingMethod = 'mask-last4' | 'redact' | 'hash' | 'substitute' | 'keep';
export const MASKING_METHODS: readonly MaskingMethod[] = ['mask-last4', 'redact', 'hash', 'substitute', 'keep'];

/**
 * Caller categories a rule can name. `third-party` is any caller whose client id is not in the policy's
 * `firstPartyClients`; it is added to the principal's own kind (a clinician in a third-party app is both
 * `practitioner` and `third-party`).
 */
export type CallerKind = 'patient' | 'practitioner' | 'system' | 'third-party';
export const CALLER_KINDS: readonly CallerKind[] = ['patient', 'practitioner', 'system', 'third-party'];

/**
 * Who a rule applies to. Every field given must match (AND); within a field any value matches (OR).
 * An absent `appliesTo` applies to every caller.
 */
export interface AppliesTo {
  readonly kinds?: readonly CallerKind[];
  readonly roles?: readonly string[];
  readonly clients?: readonly string[];
}

/** A sensitive data class (e.g. `ssn`): how to recognise its identifiers and find it in free text. */
export interface DataClassDocument {
  readonly description?: string;
  /** `Identifier.system` values that mark an identifier of this class. */
  readonly identifierSystems?: readonly string[];
  /** `Identifier.type.coding` (system + code) pairs that mark an identifier of this class. */
  readonly identifierTypes?: readonly { readonly system: string; readonly code: string }[];
  /** JavaScript regular expressions (no flags) found and replaced in every string of a response. */
  readonly textPatterns?: readonly string[];
}

/** One masking rule as written in the policy file. */
export interface MaskingRuleDocument {
  readonly id: string;
  readonly description?: string;
  /** FHIRPath evaluated against each resource of a response (R4 model), selecting the elements to mask. */
  readonly selector: string;
  readonly method: MaskingMethod;
  /** Replacement for `substitute`. */
  readonly value?: unknown;
  /** Narrows the rule to elements of this data class; also makes it the class's free-text method. */
  readonly dataClass?: string;
  readonly appliesTo?: AppliesTo;
}

/** One extension rule: first rule whose `urls` contains the extension URL (or `*`) decides; default keep. */
export interface ExtensionRuleDocument {
  readonly id: string;
  readonly description?: string;
  readonly urls: readonly string[];
  readonly action: 'remove' | 'keep';
  readonly appliesTo?: AppliesTo;
}

/** The policy file, version 1. */
export interface MaskingPolicyDocument {
  readonly version: 1;
  readonly description?: string;
  readonly firstPartyClients: readonly string[];
  /** Replaces a redacted value inside free text. */
  readonly redactionToken: string;
  readonly dataClasses: Readonly<Record<string, DataClassDocument>>;
  readonly rules: readonly MaskingRuleDocument[];
  readonly extensions: readonly ExtensionRuleDocument[];
}

/** A FHIRPath node as returned by `fhirpath` with `resolveInternalTypes: false`. */
export interface FhirPathNode {
  readonly data: unknown;
  readonly propName?: string;
  readonly index?: number | null;
  readonly parentResNode: FhirPathNode | null;
}

/** A rule whose selector is compiled, with a cheap pre-filter derived from the selector's first step. */
export interface CompiledRule {
  readonly id: string;
  readonly method: MaskingMethod;
  readonly value?: unknown;
  readonly dataClass?: string;
  readonly appliesTo?: AppliesTo;
  readonly selector: string;
  readonly evaluate: (resource: object) => FhirPathNode[];
  /**
   * When the selector starts with a member name (optionally after a resource type), a resource without
   * that member at its root cannot yield a node, and the rule is skipped for it.
   */
  readonly anchor?: { readonly resourceType?: string; readonly member: string };
  /** See `CompiledSelector.elementCriteria`: the fast path for data-class rules. */
  readonly elementCriteria?: (resourceType: string, element: object) => boolean;
}

export interface CompiledDataClass {
  readonly name: string;
  readonly identifierSystems: ReadonlySet<string>;
  readonly identifierTypes: readonly { readonly system: string; readonly code: string }[];
  readonly textPatterns: readonly string[];
}

export interface CompiledExtensionRule {
  readonly id: string;
  readonly urls: ReadonlySet<string>;
  readonly anyUrl: boolean;
  readonly action: 'remove' | 'keep';
  readonly appliesTo?: AppliesTo;
}

/** The policy ready to run: validated, every selector compiled once. */
export interface CompiledMaskingPolicy {
  readonly version: number;
  readonly firstPartyClients: ReadonlySet<string>;
  readonly redactionToken: string;
  readonly dataClasses: ReadonlyMap<string, CompiledDataClass>;
  readonly rules: readonly CompiledRule[];
  readonly extensions: readonly CompiledExtensionRule[];
}
