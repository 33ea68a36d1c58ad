/**
 * Granular (v2) scopes: the search query a scope carries narrows searches and filters reads.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#finer-grained-resource-constraints-using-search-parameters
 */
import { matchesSearchRequest, parseSearchRequest } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { ensureSearchParameters } from './fhir-definitions.js';
import type { ResourceScope } from './smart-scope.parser.js';

/**
 * True when the resource is of the scope's type (or the scope is a wildcard) and satisfies the scope's
 * query, evaluated with `@medplum/core` search matching. A scope without a query matches every resource of its type.
 */
export function resourceMatchesScopeQuery(resource: Resource, scope: ResourceScope): boolean {
  if (scope.resourceType !== '*' && scope.resourceType !== resource.resourceType) return false;
  if (!scope.query) return true;
  ensureSearchParameters();
  const query: Record<string, string[]> = {};
  for (const [code, values] of Object.entries(scope.query)) query[code] = [...values];
  return matchesSearchRequest(resource, parseSearchRequest(resource.resourceType, query));
}

/** True when at least one of the scopes lets the resource through (a scope without a query lets all through). */
export function matchesAnyScope(resource: Resource, scopes: readonly ResourceScope[]): boolean {
  return scopes.some((s) => resourceMatchesScopeQuery(resource, s));
}

/**
 * Extra search parameters that restrict a search to what the granting scopes allow:
 * none when one scope has no query; the scope's query when there is one granular scope; values
 * joined with `,` (FHIR OR) when all granular scopes constrain the same single parameter. Otherwise
 * `undefined`: the query cannot express the union, and the results are filtered on the way out.
 */
export function scopeQueryNarrowing(scopes: readonly ResourceScope[]): Record<string, string[]> | undefined {
  if (!scopes.length || scopes.some((s) => !s.query)) return {};
  if (scopes.length === 1) {
    const out: Record<string, string[]> = {};
    for (const [code, values] of Object.entries(scopes[0]!.query!)) out[code] = [...values];
    return out;
  }
  const codes = new Set(scopes.flatMap((s) => Object.keys(s.query!)));
  const single = scopes.every((s) => Object.keys(s.query!).length === 1 && s.query![[...codes][0]!]?.length === 1);
  if (codes.size !== 1 || !single) return undefined;
  const code = [...codes][0]!;
  return { [code]: [[...new Set(scopes.map((s) => s.query![code]![0]!))].join(',')] };
}
