/**
 * Writes never store a mask. A client may send back what it was shown (`***-**-6789`, `[REDACTED]`, a
 * hash): before a create or update reaches the FHIR server, each masked value is put back from the current
 * stored version, or the write is refused with 400. Medplum does the same for read-only fields
 * (restoring them from the previous version).
 *
 * @see https://hl7.org/fhir/R4/http.html#update
 * @see https://github.com/medplum/medplum/blob/main/packages/server/src/fhir/repo.ts (protected fields)
 */
import { badRequest } from '../fhir/outcomes.js';
import { ClassIndex, collect, type ClassMember, type Json } from './masking-collect.js';
import { hmacHex, MASK_LAST4_PATTERN, maskLast4, normalizeValue, type HashKeyProvider } from './masking-methods.js';
import type { CompiledMaskingPolicy } from './masking-policy.types.js';
import { TextScrubber } from './masking-text.scrubber.js';

export interface RestoreOptions {
  /**
   * Put back class identifiers (SSNs) of the current version's `identifier` list that the incoming resource
   * lacks. Right for callers whose method removes them (third-party, system): they never saw the SSN, so its
   * absence is not a deletion. Default false.
   */
  readonly reinstateRemoved?: boolean;
  /** Lets a hashed identifier value be matched to the stored one (same key as the engine's). */
  readonly hashKey?: HashKeyProvider;
}

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Restores masked values in `incoming` (one resource, changed in place and returned) from `current` (the
 * stored version; undefined for a create). Throws a 400 OperationOutcomeError naming the element when a
 * masked value cannot be restored: on a create, when no stored identifier of the same system/type has the
 * same last 4 digits, or when masked free text no longer matches the stored text.
 */
export function restoreMaskedValues<T extends object>(
  incoming: T,
  current: object | undefined,
  policy: CompiledMaskingPolicy,
  options: RestoreOptions = {},
): T {
  const index = new ClassIndex(policy);
  const token = policy.redactionToken;
  const incomingMembers = collect(incoming, index).members;
  const stored = current ? collect(current, index) : undefined;
  const restoredIdentifiers = new Set<object>();

  for (const member of incomingMembers) {
    const value = member.identifier.value as string;
    if (!isMaskedIdentifierValue(value, token)) continue;
    const original = stored?.members.find((candidate) => sameKind(candidate, member) && matches(value, candidate, options));
    if (!original) throw badRequest('A masked identifier value cannot be restored from the current version', [pathOf(member)]);
    member.identifier.value = original.identifier.value;
    restoredIdentifiers.add(member.identifier);
  }

  const scrubbers = stored ? maskedVariantsOf(policy, stored.values) : [];
  const walk = (node: Json | unknown[], original: unknown, path: string): void => {
    const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [key, value] of entries) {
      const childPath = typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
      const originalChild = (original as Record<string | number, unknown> | undefined)?.[key];
      if (typeof value === 'string' && carriesMask(value, token)) {
        if (typeof originalChild !== 'string' || !scrubbers.some((scrub) => scrub(originalChild) === value)) {
          throw badRequest('A masked value cannot be restored from the current version', [childPath]);
        }
        (node as Record<string | number, unknown>)[key] = originalChild;
      } else if (typeof value === 'object' && value !== null && !restoredIdentifiers.has(value)) {
        walk(value as Json, typeof originalChild === 'object' ? originalChild : undefined, childPath);
      }
    }
  };
  walk(incoming as Json, current, String((incoming as Json).resourceType ?? ''));

  if (options.reinstateRemoved && stored) reinstate(incoming as Json, stored.members, incomingMembers);
  return incoming;
}

function isMaskedIdentifierValue(value: string, token: string): boolean {
  return MASK_LAST4_PATTERN.test(value) || value.includes(token) || HASH_PATTERN.test(value);
}

function carriesMask(text: string, token: string): boolean {
  return MASK_LAST4_PATTERN.test(text) || text.includes(token);
}

/** Same data class and the same marker (system, else type coding). */
function sameKind(candidate: ClassMember, member: ClassMember): boolean {
  if (candidate.dataClass !== member.dataClass) return false;
  const system = member.identifier.system;
  return system === undefined || candidate.identifier.system === system;
}

function matches(masked: string, candidate: ClassMember, options: RestoreOptions): boolean {
  const stored = candidate.identifier.value as string;
  if (HASH_PATTERN.test(masked)) return !!options.hashKey && hmacHex(options.hashKey(), stored) === masked;
  const last4 = MASK_LAST4_PATTERN.exec(masked)?.[1];
  // "***-**-****" or the redaction token carry no digits to check: refuse rather than guess.
  return !!last4 && /^[0-9]{4}$/.test(last4) && masked === maskLast4(stored);
}

/** What the stored text looks like after mask-last4 and after redaction (the two text masks a client sees). */
function maskedVariantsOf(policy: CompiledMaskingPolicy, values: Map<string, Set<string>>): ((text: string) => string)[] {
  const classes = [...policy.dataClasses.values()];
  const build = (transform: (value: string) => string) => {
    const scrubbers = classes.map((c) => new TextScrubber(values.get(c.name) ?? [], c.textPatterns, transform));
    return (text: string) => scrubbers.reduce((t, s) => s.scrub(t), text);
  };
  return [build(maskLast4), build(() => policy.redactionToken)];
}

function reinstate(incoming: Json, storedMembers: ClassMember[], incomingMembers: ClassMember[]): void {
  for (const member of storedMembers) {
    if (member.owner !== member.resource || member.prop !== 'identifier') continue;
    const present = incomingMembers.some(
      (m) => m.dataClass === member.dataClass && normalizeValue(String(m.identifier.value)) === normalizeValue(String(member.identifier.value)),
    );
    if (present) continue;
    const list = Array.isArray(incoming.identifier) ? incoming.identifier : (incoming.identifier = []);
    (list as unknown[]).push(structuredClone(member.identifier));
  }
}

function pathOf(member: ClassMember): string {
  const type = String(member.resource.resourceType ?? '');
  return typeof member.key === 'number' ? `${type}.${member.prop}[${member.key}].value` : `${type}.${member.prop}.value`;
}
