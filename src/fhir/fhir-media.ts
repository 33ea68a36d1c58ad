/**
 * Content negotiation: the facade speaks FHIR JSON only, so nothing can bypass masking through XML
 * or another format.
 *
 * @see https://hl7.org/fhir/R4/http.html#mime-type
 */
export const FHIR_JSON = 'application/fhir+json';
export const FHIR_JSON_CHARSET = 'application/fhir+json; charset=utf-8';

/** JSON `_format` values FHIR allows; anything else (xml, ttl, html…) is refused with 406. */
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir', 'text/json']);
/** Accept values the facade can satisfy. */
const ACCEPTABLE = /^(\*\/\*|application\/\*|application\/(fhir\+)?json|application\/json\+fhir|text\/json)$/i;

/** True when `_format` is absent or names JSON. */
export function formatIsJson(format: string | string[] | undefined): boolean {
  if (format === undefined) return true;
  const values = Array.isArray(format) ? format : [format];
  return values.every((v) => JSON_FORMATS.has(v.split(';')[0]!.trim().toLowerCase()));
}

/** True when the Accept header is absent or admits JSON (q=0 entries excluded). */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept || !accept.trim()) return true;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) return false;
    return ACCEPTABLE.test(type ?? '');
  });
}
