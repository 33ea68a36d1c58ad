/**
 * SMART scope grammar as the local identity provider accepts it.
 *
 * oidc-provider only knows static scopes; SMART resource scopes are open-ended (every resource type x
 * permission x granular query), so the IdP validates them here and hands the accepted ones to the
 * resource server definition per request (`features.resourceIndicators.getResourceServerInfo`).
 *
 * - v1: https://hl7.org/fhir/smart-app-launch/1.0.0/scopes-and-launch-context/index.html
 * - v2 and granular (`?param=value`): https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
export type SmartContext = 'patient' | 'user' | 'system';

/** Scopes oidc-provider knows statically (OpenID Connect and SMART identity scopes). */
export const OIDC_SCOPES: readonly string[] = ['openid', 'fhirUser', 'profile', 'offline_access'];

/** SMART launch-context and session scopes that user-facing clients may request. */
export const LAUNCH_SCOPES: readonly string[] = ['launch', 'launch/patient', 'launch/encounter', 'online_access'];

const RESOURCE = String.raw`(\*|[A-Z][A-Za-z]{1,63})`;
const V1 = new RegExp(String.raw`^(patient|user|system)/${RESOURCE}\.(read|write|\*)$`);
const V2 = new RegExp(String.raw`^(patient|user|system)/${RESOURCE}\.(c?r?u?d?s?)$`);
/** One `name=value` pair of a granular scope query; the value may carry a system|code token. */
const QUERY_PAIR = /^[A-Za-z0-9_\-.:]+=[^&=?#\s]+$/;

/** The SMART context (`patient` / `user` / `system`) of a resource scope, or undefined when it is not one. */
export function smartResourceScopeContext(scope: string): SmartContext | undefined {
  const q = scope.indexOf('?');
  const base = q === -1 ? scope : scope.slice(0, q);
  const query = q === -1 ? undefined : scope.slice(q + 1);

  const v1 = V1.exec(base);
  if (v1 && query === undefined) return v1[1] as SmartContext;

  const v2 = V2.exec(base);
  if (!v2 || v2[3] === '') return undefined;
  if (query !== undefined && (query === '' || !query.split('&').every((pair) => QUERY_PAIR.test(pair)))) {
    return undefined;
  }
  return v2[1] as SmartContext;
}

/** True when the scope is acceptable for a client allowed these SMART contexts. */
export function isAllowedScope(scope: string, contexts: ReadonlySet<SmartContext>): boolean {
  if (OIDC_SCOPES.includes(scope)) return true;
  const userFacing = contexts.has('patient') || contexts.has('user');
  if (LAUNCH_SCOPES.includes(scope)) return userFacing;
  const context = smartResourceScopeContext(scope);
  return context !== undefined && contexts.has(context);
}

/**
 * Splits requested scopes into those the resource server (the FHIR facade) grants and those it refuses.
 * OpenID scopes are granted on the resource server too, so that the access token's `scope` claim and the
 * token response's `scope` list every granted scope, as SMART clients expect.
 */
export function partitionScopes(
  requested: Iterable<string>,
  contexts: ReadonlySet<SmartContext>,
): { granted: string[]; refused: string[] } {
  const granted: string[] = [];
  const refused: string[] = [];
  for (const scope of new Set(requested)) {
    if (scope === '') continue;
    (isAllowedScope(scope, contexts) ? granted : refused).push(scope);
  }
  return { granted, refused };
}

/** Splits a space-delimited scope string. */
export function splitScope(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
}
