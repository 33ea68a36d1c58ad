/**
 * Whether the principal's scopes of one context cover a request, and with which scopes: one type and
 * letter for ordinary interactions, every `_type` (or a wildcard) for system-wide search and history, and
 * `r` and `s` on every Patient compartment type for `Patient/$everything`.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-fhir-resources
 * @see https://hl7.org/fhir/R4/patient-operation-everything.html
 */
import { isPatientEverything, neededPermission } from './authorization.rules.js';
import type { RuleContext } from './authorization.types.js';
import { patientCompartmentTypes } from './patient-compartment.js';
import { grantsFor } from './scope-grants.js';
import type { ResourceScope, ScopeContext, SmartPermission } from './smart-scope.parser.js';

export interface Coverage {
  /** Scopes that grant the request (for granular narrowing and write checks). */
  readonly grants: readonly ResourceScope[];
  /** The first missing `Type.letter`, when not covered. */
  readonly missing?: string;
}

/** Computes the coverage of the request by the principal's scopes of `context`. */
export function coverage(ctx: RuleContext, context: ScopeContext): Coverage {
  const { interaction, principal } = ctx;
  const needs = requiredTypeLetters(ctx);
  if (!needs.length) return { grants: [], missing: `${interaction.resourceType ?? '*'}.?` };
  const grants: ResourceScope[] = [];
  for (const [type, letter] of needs) {
    const found = grantsFor(principal, context, type, letter);
    if (!found.length) return { grants, missing: `${type}.${letter}` };
    for (const g of found) if (!grants.includes(g)) grants.push(g);
  }
  return { grants };
}

function requiredTypeLetters(ctx: RuleContext): [string, SmartPermission][] {
  const { interaction } = ctx;
  if (isPatientEverything(ctx)) {
    return patientCompartmentTypes().flatMap((t): [string, SmartPermission][] => [
      [t, 'r'],
      [t, 's'],
    ]);
  }
  const letter = neededPermission(ctx);
  if (!letter) return [];
  if (interaction.interaction === 'search-system' || interaction.interaction === 'history-system') {
    const types = (interaction.params?.['_type'] ?? []).flatMap((v) => v.split(',')).filter(Boolean);
    return types.length ? types.map((t): [string, SmartPermission] => [t, letter]) : [['*', letter]];
  }
  if (interaction.interaction === 'operation' && interaction.operation?.level === 'system') return [['*', letter]];
  return interaction.resourceType ? [[interaction.resourceType, letter]] : [];
}
