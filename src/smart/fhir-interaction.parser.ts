/**
 * Builds a {@link FhirInteraction} from an HTTP method and a FHIR URL relative to the base
 * (`Observation?code=x`, `Patient/1/_history/2`, `Patient/1/Observation`, `Patient/1/$everything`).
 * Used for Bundle entries (`entry.request.method` + `entry.request.url`) and usable by the HTTP guard.
 *
 * @see https://hl7.org/fhir/R4/http.html#summary
 * @see https://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.request.url
 */
import type { FhirInteraction, QueryParams } from './fhir-interaction.js';
import { isR4ResourceType } from './fhir-definitions.js';

/** Returns the interaction, or `undefined` when the method/URL pair is not a FHIR REST interaction. */
export function interactionFromRequest(method: string, url: string, body?: unknown): FhirInteraction | undefined {
  const m = method.toUpperCase();
  const [path, params] = splitUrl(url);
  if (path === undefined) return undefined;
  const seg = path.split('/').filter((s) => s.length > 0);
  const hasParams = Object.keys(params).length > 0;
  const withBody = (i: FhirInteraction): FhirInteraction => (body === undefined ? i : { ...i, body });

  if (seg.length === 0) {
    if (m === 'GET') return { interaction: 'search-system', params };
    if (m === 'POST') {
      const type = (body as { resourceType?: unknown; type?: unknown } | undefined)?.type;
      if (type === 'batch' || type === 'transaction') return { interaction: type, body };
    }
    return undefined;
  }
  const [a, b, c, d] = seg;
  if (seg.length === 1 && a === 'metadata' && m === 'GET') return { interaction: 'capabilities' };
  if (seg.length === 1 && a === '_history' && m === 'GET') return { interaction: 'history-system', params };
  if (seg.length === 1 && a === '_search' && m === 'POST') return { interaction: 'search-system', params };
  if (seg.length === 1 && a!.startsWith('$')) return withBody({ interaction: 'operation', operation: { name: a!, level: 'system' }, params });
  if (!isR4ResourceType(a!)) return undefined;
  const resourceType = a!;

  if (seg.length === 1) {
    if (m === 'GET') return { interaction: 'search-type', resourceType, params };
    if (m === 'POST') return withBody({ interaction: 'create', resourceType, params });
    // Conditional update / delete: the target is found by the query.
    if (m === 'PUT' && hasParams) return withBody({ interaction: 'update', resourceType, params });
    if (m === 'PATCH' && hasParams) return withBody({ interaction: 'patch', resourceType, params });
    if (m === 'DELETE' && hasParams) return { interaction: 'delete', resourceType, params };
    return undefined;
  }
  if (seg.length === 2) {
    if (b === '_search' && m === 'POST') return { interaction: 'search-type', resourceType, params };
    if (b === '_history' && m === 'GET') return { interaction: 'history-type', resourceType, params };
    if (b!.startsWith('$')) return withBody({ interaction: 'operation', resourceType, operation: { name: b!, level: 'type' }, params });
    const id = b!;
    if (m === 'GET') return { interaction: 'read', resourceType, id, params };
    if (m === 'PUT') return withBody({ interaction: 'update', resourceType, id, params });
    if (m === 'PATCH') return withBody({ interaction: 'patch', resourceType, id, params });
    if (m === 'DELETE') return { interaction: 'delete', resourceType, id, params };
    return undefined;
  }
  const id = b!;
  if (seg.length === 3) {
    if (c === '_history' && m === 'GET') return { interaction: 'history-instance', resourceType, id, params };
    if (c!.startsWith('$')) {
      return withBody({ interaction: 'operation', resourceType, id, operation: { name: c!, level: 'instance' }, params });
    }
    if (isR4ResourceType(c!) && m === 'GET') {
      return { interaction: 'search-compartment', resourceType: c!, compartment: { resourceType, id }, params };
    }
    return undefined;
  }
  if (seg.length === 4 && c === '_history' && m === 'GET') {
    return { interaction: 'vread', resourceType, id, versionId: d!, params };
  }
  if (seg.length === 4 && isR4ResourceType(c!) && d === '_search' && m === 'POST') {
    return { interaction: 'search-compartment', resourceType: c!, compartment: { resourceType, id }, params };
  }
  return undefined;
}

/** Splits `path?query` into path segments text and decoded params; absolute URLs keep only the path after the FHIR base. */
function splitUrl(url: string): [string | undefined, Record<string, string[]>] {
  let rest = url.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) {
    // Absolute: drop scheme, host and any base path up to the first resource type / `_history` / `$op` / metadata.
    const q = rest.indexOf('?');
    const pathPart = (q < 0 ? rest : rest.slice(0, q)).replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
    const segs = pathPart.split('/');
    const start = segs.findIndex((s) => isR4ResourceType(s) || s === '_history' || s === 'metadata' || s.startsWith('$'));
    if (start < 0) return [undefined, {}];
    rest = segs.slice(start).join('/') + (q < 0 ? '' : rest.slice(q));
  }
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const params: Record<string, string[]> = {};
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const key = decode(eq < 0 ? pair : pair.slice(0, eq));
      const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
      if (key === undefined || value === undefined) return [undefined, {}];
      (params[key] ??= []).push(value);
    }
  }
  return [path.replace(/^\/+/, ''), params];
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Merges query parameters (later values appended). */
export function mergeParams(...sources: (QueryParams | undefined)[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const src of sources) {
    for (const [k, vs] of Object.entries(src ?? {})) (out[k] ??= []).push(...vs);
  }
  return out;
}
