/**
 * PHI masking: policy as data (FHIRPath rules), the engine that applies it per caller, and the write-side
 * guard that keeps masks out of storage.
 *
 * Typical wiring:
 * ```ts
 * const policy = loadMaskingPolicy();                       // at start-up; throws on a bad rule
 * const engine = new MaskingEngine(policy, () => hashKey);  // key from the secrets provider
 * const { body, fullSsnDisclosed } = engine.mask(upstreamBody, principal); // in place
 * restoreMaskedValues(incoming, current, policy);           // before create/update; throws 400
 * ```
 */
export { MaskingEngine, type MaskingResult } from './masking.engine.js';
export { loadMaskingPolicy, compileMaskingPolicy, defaultPolicyLocations, MaskingPolicyError, DEFAULT_POLICY_FILE } from './masking-policy.loader.js';
export { restoreMaskedValues, type RestoreOptions } from './masking-restore.js';
export { maskLast4, hmacHex, MASK_LAST4_PATTERN, type HashKeyProvider } from './masking-methods.js';
export type {
  AppliesTo,
  CallerKind,
  CompiledMaskingPolicy,
  MaskingMethod,
  MaskingPolicyDocument,
  MaskingRuleDocument,
  ExtensionRuleDocument,
  DataClassDocument,
} from './masking-policy.types.js';
