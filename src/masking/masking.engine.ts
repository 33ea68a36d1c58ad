/**
 * The PHI masking engine: applies the compiled policy to a response body for one caller.
 *
 * Steps, each one pass: (1) walk the body once, finding every resource and every identifier of a sensitive
 * data class (SSN) with its value; (2) evaluate the caller's rules (FHIRPath, compiled at load) against each
 * resource, first matching rule per element wins, skipping rules that cannot match (first member absent, or
 * no unclaimed identifier of the rule's class); class identifiers no rule selected get the class's method;
 * (3) walk once more: drop extensions by URL and scrub every string of the class values and patterns.
 *
 * `mask` changes the body IN PLACE and returns it (a freshly parsed upstream body needs no copy; pass
 * `structuredClone(body)` to keep the original).
 *
 * @see https://hl7.org/fhir/R4/security.html#masking
 * @see https://hl7.org/fhirpath/N1/
 */
import type { Principal } from '../auth/principal.js';
import { appliesToCaller, maskingCallerOf, type MaskingCaller } from './masking-caller.js';
import { ClassIndex, collect, type ClassMember, type Collected, type Json } from './masking-collect.js';
import { readElement, refOfNode, removeElement, replaceElement, transformElement, type ElementRef } from './masking-element.js';
import { valueTransform, type HashKeyProvider, type ValueTransform } from './masking-methods.js';
import type { CompiledMaskingPolicy, CompiledRule, MaskingMethod } from './masking-policy.types.js';
import { TextScrubber } from './masking-text.scrubber.js';
import { scrubEncodedText } from './masking-attachment.js';
import { mayMatch } from './fhirpath-selector.js';

export interface MaskingResult<T> {
  /** The same object that was passed in, masked. */
  readonly body: T;
  /** True when any full sensitive value (SSN) was left visible by a `keep` rule: audit must flag it. */
  readonly fullSsnDisclosed: boolean;
  /** Sensitive identifiers and free-text occurrences masked, removed, hashed or substituted. */
  readonly ssnsMasked: number;
  /** Sensitive identifiers and free-text occurrences left whole (`keep`). */
  readonly ssnsDisclosed: number;
  readonly extensionsRemoved: number;
  /** Ids of the rules that acted (`<class>:fallback` for class identifiers no rule selected). */
  readonly rulesApplied: readonly string[];
}

interface Pending {
  readonly rule: CompiledRule;
  readonly ref: ElementRef;
  readonly element: unknown;
  readonly member?: ClassMember;
}

/** Per-call state: claims (first rule wins), counters. */
class MaskRun {
  readonly claimed = new Set<object>();
  readonly claimedPrimitives = new Map<object, Set<string>>();
  readonly kept = new Set<object>();
  readonly rulesApplied = new Set<string>();
  masked = 0;
  disclosed = 0;
  extensionsRemoved = 0;

  claim(ref: ElementRef, element: unknown): boolean {
    if (typeof element === 'object' && element !== null) {
      if (this.claimed.has(element)) return false;
      this.claimed.add(element);
      return true;
    }
    const key = `${ref.prop}|${ref.index}`;
    let set = this.claimedPrimitives.get(ref.owner);
    if (!set) this.claimedPrimitives.set(ref.owner, (set = new Set()));
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }

  isMemberClaimed(member: ClassMember): boolean {
    return this.claimed.has(member.identifier) || !!this.claimedPrimitives.get(member.identifier)?.has('value|null');
  }
}

export class MaskingEngine {
  private readonly index: ClassIndex;

  /**
   * @param policy from `loadMaskingPolicy()` / `compileMaskingPolicy()`
   * @param hashKey HMAC-SHA256 key for `hash` (from the secrets provider); read once per `mask` call, and only
   *   when a `hash` rule acts
   */
  constructor(
    private readonly policy: CompiledMaskingPolicy,
    private readonly hashKey: HashKeyProvider,
  ) {
    this.index = new ClassIndex(policy);
  }

  /**
   * The method a caller gets for a data class: the first rule for that class that applies to them,
   * else `redact` (fail closed).
   */
  methodFor(principal: Principal, dataClass = 'ssn'): { method: MaskingMethod; rule?: CompiledRule } {
    return this.classMethod(maskingCallerOf(principal, this.policy), dataClass);
  }

  /** Masks `body` in place for `principal` (any FHIR JSON: resource, Bundle, OperationOutcome, ...). */
  mask<T>(body: T, principal: Principal): MaskingResult<T> {
    const caller = maskingCallerOf(principal, this.policy);
    const rules = this.policy.rules.filter((rule) => appliesToCaller(rule.appliesTo, caller));
    const run = new MaskRun();
    const collected = collect(body, this.index);
    for (const resource of collected.resources) this.applyRules(resource, rules, collected, run);
    for (const member of collected.members) {
      if (!run.isMemberClaimed(member)) this.applyFallback(member, caller, run);
    }
    this.scrubAll(body, caller, collected, run);
    return {
      body,
      fullSsnDisclosed: run.disclosed > 0,
      ssnsMasked: run.masked,
      ssnsDisclosed: run.disclosed,
      extensionsRemoved: run.extensionsRemoved,
      rulesApplied: [...run.rulesApplied],
    };
  }

  private classMethod(caller: MaskingCaller, dataClass: string): { method: MaskingMethod; rule?: CompiledRule } {
    const rule = this.policy.rules.find((r) => r.dataClass === dataClass && appliesToCaller(r.appliesTo, caller));
    return rule ? { method: rule.method, rule } : { method: 'redact' };
  }

  private transformFor(method: MaskingMethod, substitute?: unknown): ValueTransform {
    return valueTransform(method, { hashKey: this.hashKey, redactionToken: this.policy.redactionToken, substitute });
  }

  private applyRules(resource: Json, rules: readonly CompiledRule[], collected: Collected, run: MaskRun): void {
    const pending: Pending[] = [];
    const members = collected.membersByResource.get(resource);
    for (const rule of rules) {
      if (rule.dataClass) {
        // A class rule acts only on identifiers of its class: none left unclaimed here, nothing to evaluate.
        const open = members?.filter((m) => m.dataClass.name === rule.dataClass && !run.isMemberClaimed(m));
        if (!open?.length) continue;
        if (rule.elementCriteria && rule.anchor) {
          this.matchMembers(resource, rule, open, run, pending);
          continue;
        }
      } else if (!mayMatch(rule.anchor, resource)) {
        continue;
      }
      for (const node of rule.evaluate(resource)) {
        const ref = refOfNode(node);
        if (!ref) continue;
        const element = readElement(ref);
        if (element === undefined) continue;
        const member = members?.find((m) => m.identifier === element || (m.identifier === ref.owner && ref.prop === 'value'));
        if (rule.dataClass && member?.dataClass.name !== rule.dataClass) continue;
        if (run.claim(ref, element)) pending.push({ rule, ref, element, member });
      }
    }
    // Primitives in arrays are removed by index: highest first so earlier removals do not shift later ones.
    pending.sort((a, b) => (b.ref.index ?? -1) - (a.ref.index ?? -1));
    for (const action of pending) this.apply(action, run);
  }

  /**
   * Fast path for `[Type.]member.where(criteria)` class rules: the selector could only pick elements of
   * `member` at the resource root, and the rule keeps only class identifiers, so the criteria is evaluated on
   * those identifiers alone (same FHIRPath, same result; see the equivalence spec).
   */
  private matchMembers(resource: Json, rule: CompiledRule, open: ClassMember[], run: MaskRun, pending: Pending[]): void {
    const { resourceType, member: prop } = rule.anchor!;
    const type = String(resource.resourceType);
    if (resourceType && resourceType !== type) return;
    for (const member of open) {
      if (member.owner !== resource || member.prop !== prop) continue;
      if (!rule.elementCriteria!(type, member.identifier)) continue;
      const ref: ElementRef = { owner: resource, prop, index: typeof member.key === 'number' ? member.key : null };
      if (run.claim(ref, member.identifier)) pending.push({ rule, ref, element: member.identifier, member });
    }
  }

  private apply({ rule, ref, element, member }: Pending, run: MaskRun): void {
    run.rulesApplied.add(rule.id);
    if (rule.method === 'keep') {
      if (member) {
        run.kept.add(member.identifier);
        run.disclosed++;
      }
      return;
    }
    if (member) run.masked++;
    if (rule.method === 'redact') return removeElement(ref, element);
    if (rule.method === 'substitute' && typeof rule.value !== 'string') return replaceElement(ref, rule.value);
    if (!transformElement(ref, element, this.transformFor(rule.method, rule.value))) removeElement(ref, element);
  }

  private applyFallback(member: ClassMember, caller: MaskingCaller, run: MaskRun): void {
    const { method, rule } = this.classMethod(caller, member.dataClass.name);
    const ref: ElementRef = { owner: member.owner, prop: member.prop, index: typeof member.key === 'number' ? member.key : null };
    run.rulesApplied.add(`${member.dataClass.name}:fallback`);
    this.apply({ rule: { ...(rule ?? { id: 'fallback' }), method } as CompiledRule, ref, element: member.identifier, member }, run);
  }

  private scrubAll(body: unknown, caller: MaskingCaller, collected: Collected, run: MaskRun): void {
    const scrubbers: TextScrubber[] = [];
    for (const dataClass of this.policy.dataClasses.values()) {
      const { method, rule } = this.classMethod(caller, dataClass.name);
      const transform = method === 'keep' ? undefined : this.transformFor(method, rule?.value);
      scrubbers.push(new TextScrubber(collected.values.get(dataClass.name) ?? [], dataClass.textPatterns, transform));
    }
    const extensionRules = this.policy.extensions.filter((rule) => appliesToCaller(rule.appliesTo, caller));
    const decisions = new Map<string, boolean>();
    const removes = (url: unknown): boolean => {
      if (typeof url !== 'string') return false;
      let remove = decisions.get(url);
      if (remove === undefined) {
        const rule = extensionRules.find((r) => r.anyUrl || r.urls.has(url));
        remove = rule?.action === 'remove';
        decisions.set(url, remove);
      }
      return remove;
    };
    const scrub = (text: string): string => {
      for (const scrubber of scrubbers) text = scrubber.scrub(text);
      return text;
    };
    const walk = (node: Json | unknown[]): void => {
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) {
          const value = node[i];
          if (typeof value === 'string') {
            const scrubbed = scrub(value);
            if (scrubbed !== value) node[i] = scrubbed;
          } else if (typeof value === 'object' && value !== null) walk(value as Json);
        }
        return;
      }
      if (run.kept.has(node)) return;
      const extensions = node.extension;
      if (extensionRules.length && Array.isArray(extensions)) {
        const left = extensions.filter((extension) => !removes((extension as Json | null)?.url));
        if (left.length !== extensions.length) {
          run.extensionsRemoved += extensions.length - left.length;
          if (left.length) node.extension = left;
          else delete node.extension;
        }
      }
      scrubEncodedText(node, scrub);
      for (const prop in node) {
        const value = node[prop];
        if (typeof value === 'string') {
          const scrubbed = scrub(value);
          if (scrubbed !== value) node[prop] = scrubbed;
        } else if (typeof value === 'object' && value !== null) walk(value as Json);
      }
    };
    if (typeof body === 'object' && body !== null) walk(body as Json);
    for (const scrubber of scrubbers) {
      if (scrubber.isCountOnly) run.disclosed += scrubber.hits;
      else run.masked += scrubber.hits;
    }
  }
}
