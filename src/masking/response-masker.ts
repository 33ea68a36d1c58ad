/**
 * The masking engine as the request path uses it: mask every body on the way out for this principal,
 * and put back masked values a client sends in a write (or refuse the write). Decide first, then mask:
 * this runs after the compartment filter, and it only redacts.
 */
import type { Principal } from '../auth/principal.js';
import { badRequest } from '../fhir/outcomes.js';
import type { HashKeyProvider } from './masking-methods.js';
import type { CompiledMaskingPolicy } from './masking-policy.types.js';
import { restoreMaskedValues } from './masking-restore.js';
import { MaskingEngine } from './masking.engine.js';

export const MASKING = Symbol('MASKING');

export interface ResponseMasker {
  /** Masks in place; reports whether a full SSN was left visible (the audit flags it). */
  mask<T>(body: T, principal: Principal): { body: T; fullSsnDisclosed: boolean };
  /** Restores masked values in a create/update body from the stored version, or throws 400. */
  restore<T extends object>(incoming: T, current: object | undefined, principal: Principal): T;
  /** For a patch: refuses a result that would store a masked value. */
  assertNoMask(after: object, before: object, principal: Principal): void;
}

export class PolicyResponseMasker implements ResponseMasker {
  private readonly engine: MaskingEngine;

  constructor(
    private readonly policy: CompiledMaskingPolicy,
    private readonly hashKey: HashKeyProvider,
  ) {
    this.engine = new MaskingEngine(policy, hashKey);
  }

  mask<T>(body: T, principal: Principal): { body: T; fullSsnDisclosed: boolean } {
    const result = this.engine.mask(body, principal);
    return { body: result.body, fullSsnDisclosed: result.fullSsnDisclosed };
  }

  restore<T extends object>(incoming: T, current: object | undefined, principal: Principal): T {
    // Callers whose SSNs are removed never saw them: their absence in a write is not a deletion.
    const reinstateRemoved = this.engine.methodFor(principal).method === 'redact';
    return restoreMaskedValues(incoming, current, this.policy, { reinstateRemoved, hashKey: this.hashKey });
  }

  assertNoMask(after: object, before: object, principal: Principal): void {
    const probe = structuredClone(after);
    const serialized = JSON.stringify(probe);
    this.restore(probe, before, principal);
    if (JSON.stringify(probe) !== serialized) throw badRequest('A patch must not write a masked value');
  }
}
