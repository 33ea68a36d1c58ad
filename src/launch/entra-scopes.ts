/**
 * SMART scopes <-> Entra ID scopes, as Microsoft's SMART-on-FHIR sample for Azure Health Data Services
 * does it: Entra scopes are `<application ID URI>/<name>` and allow neither `/` nor `*` in the name, so
 * `patient/Observation.rs` -> `<aud>/patient.Observation.rs`, `*` -> `all`, and a `/` inside a granular
 * query -> `%2f`. OpenID scopes pass unchanged. `fromEntraScopes` reverses it for the token response.
 *
 * @see https://learn.microsoft.com/azure/healthcare-apis/fhir/smart-on-fhir
 * @see https://github.com/Azure/health-data-services-samples (smartonfhir)
 */
const OIDC = new Set(['openid', 'profile', 'email', 'offline_access']);
const CONTEXT = /^(patient|user|system|launch)\/(.*)$/;

/** One SMART scope in Entra form for the resource whose application ID URI is `audience`. */
export function toEntraScope(scope: string, audience: string): string {
  if (OIDC.has(scope)) return scope;
  const prefix = audience.replace(/\/+$/, '');
  const q = scope.indexOf('?');
  const base = q === -1 ? scope : scope.slice(0, q);
  const query = q === -1 ? '' : `?${scope.slice(q + 1).replace(/\//g, '%2f')}`;
  const m = CONTEXT.exec(base);
  const name = m ? `${m[1]}.${m[2]!.replace(/\*/g, 'all')}` : base;
  return `${prefix}/${name}${query}`;
}

/** One Entra scope back in SMART form; scopes of another resource are dropped (undefined). */
export function fromEntraScope(scope: string, audience: string): string | undefined {
  if (OIDC.has(scope)) return scope;
  const prefix = `${audience.replace(/\/+$/, '')}/`;
  if (!scope.startsWith(prefix)) return undefined;
  const rest = scope.slice(prefix.length);
  const q = rest.indexOf('?');
  const base = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : `?${rest.slice(q + 1).replace(/%2f/gi, '/')}`;
  const m = /^(patient|user|system|launch)\.(.*)$/.exec(base);
  if (!m) return `${base}${query}`;
  const [, context, name = ''] = m;
  const resource = context === 'launch' ? name : name.replace(/^all\./, '*.');
  return `${context}/${resource}${query}`;
}

export const toEntraScopes = (scope: string, audience: string): string =>
  split(scope).map((s) => toEntraScope(s, audience)).join(' ');

export const fromEntraScopes = (scope: string, audience: string): string =>
  split(scope)
    .map((s) => fromEntraScope(s, audience))
    .filter((s): s is string => s !== undefined)
    .join(' ');

const split = (scope: string) => scope.split(' ').filter(Boolean);
