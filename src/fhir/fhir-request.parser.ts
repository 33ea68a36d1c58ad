/**
 * Turns an HTTP request under /fhir into a FhirInteraction, validating every part of the path and
 * query on the way in. Nothing the client sent is echoed in errors.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FhirInteraction, InteractionKind, QueryParams } from '../smart/fhir-interaction.js';
import { isR4ResourceType } from '../smart/fhir-definitions.js';
import { badRequest, unknownType } from './outcomes.js';

/** FHIR id: https://hl7.org/fhir/R4/datatypes.html#id */
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_\-.:]*$/;
const MAX_PARAMS = 100;

export function resourceType(value: string | undefined): string {
  if (!value || !isR4ResourceType(value)) throw unknownType();
  return value;
}

export function id(value: string | undefined, what = 'id'): string {
  if (!value || !ID.test(value)) throw badRequest(`Invalid ${what}`);
  return value;
}

/**
 * Query parameters from Fastify's parsed query (or a form body), repeated names kept apart.
 * `_format` is consumed here (already negotiated) and not forwarded.
 */
export function queryParams(raw: unknown): QueryParams {
  const out: Record<string, string[]> = {};
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object') throw badRequest('Invalid query');
  let count = 0;
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '_format') continue;
    if (!PARAM_NAME.test(name)) throw badRequest('Invalid search parameter name');
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v !== 'string') throw badRequest('Invalid search parameter value');
      if (++count > MAX_PARAMS) throw badRequest('Too many search parameters');
      (out[name] ??= []).push(v);
    }
  }
  return out;
}

/** Encodes params back into a query string (what goes upstream). */
export function encodeQuery(params: QueryParams | undefined): string {
  if (!params) return '';
  const search = new URLSearchParams();
  for (const [name, values] of Object.entries(params)) for (const v of values) search.append(name, v);
  return search.toString();
}

export function interaction(kind: InteractionKind, parts: Omit<FhirInteraction, 'interaction'>): FhirInteraction {
  return { interaction: kind, ...parts };
}

const OPERATION = /^\$[A-Za-z][A-Za-z0-9\-]{0,63}$/;

export function operationName(value: string): string {
  if (!OPERATION.test(value)) throw badRequest('Invalid operation name');
  return value;
}

/** The body of a create/update: a JSON object with a resourceType. */
export function resourceOf(body: unknown): Resource {
  if (!body || typeof body !== 'object' || Array.isArray(body) || typeof (body as Resource).resourceType !== 'string') {
    throw badRequest('Body must be a FHIR resource');
  }
  return body as Resource;
}

/** The body of `POST /fhir`: a batch or transaction Bundle. */
export function bundleOf(body: unknown): Bundle {
  const bundle = resourceOf(body) as Bundle;
  if (bundle.resourceType !== 'Bundle' || (bundle.type !== 'batch' && bundle.type !== 'transaction')) {
    throw badRequest('POST to the base must be a batch or transaction Bundle');
  }
  return bundle;
}
