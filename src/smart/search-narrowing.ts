/**
 * Search narrowing for patient-context access, after HAPI's SearchNarrowingInterceptor: the patient
 * parameter from the compartment definition is added to the client's query, and a client value that
 * names another patient is refused rather than silently replaced.
 *
 * @see https://hapifhir.io/hapi-fhir/docs/security/search_narrowing_interceptor.html
 * @see https://hl7.org/fhir/R4/search.html#reference
 * @see https://hl7.org/fhir/R4/search.html#chaining
 */
import { getSearchParameter } from '@medplum/core';
import type { QueryParams } from './fhir-interaction.js';
import { ensureSearchParameters } from './fhir-definitions.js';
import { isPatientCompartmentType, narrowingParam, patientIdFromReference } from './patient-compartment.js';

/** Search parameters refused under patient context, whatever their value. */
const REFUSED_PARAMS = new Set(['_filter', '_query', '_contained', '_containedType']);

/** A refusal (rule name) or the narrowed query. */
export type NarrowingResult = { readonly deny: string } | { readonly params: Record<string, string[]> };

/**
 * Finds parameters that could reach other patients' data: `_has` (reverse chaining), chained
 * parameters except one hop to an explicit reference-data type (`performer:Practitioner.name`), and
 * parameters with no place in a patient-scoped search. Returns the denying rule or `undefined`.
 */
export function refusedSearchParam(params: QueryParams | undefined): string | undefined {
  for (const key of Object.keys(params ?? {})) {
    if (key.startsWith('_has')) return 'reverse-chain-denied';
    if (key.includes('.') && !isReferenceDataChain(key)) return 'chained-search-denied';
    if (REFUSED_PARAMS.has(key.split(':')[0]!)) return 'search-param-not-permitted';
  }
  return undefined;
}

/** `param:Type.field` with `Type` outside the Patient compartment and no further hop. */
function isReferenceDataChain(key: string): boolean {
  const m = /^[a-z][a-z0-9-]*:([A-Z][A-Za-z]+)\.[a-z_][a-z0-9_-]*(?::[a-z-]+)?$/.exec(key);
  return !!m && m[1] !== 'Patient' && !isPatientCompartmentType(m[1]!);
}

/**
 * Every patient id the client's reference parameters name on a search of `resourceType`
 * (`subject=Patient/x`, `patient=x`, `subject:Patient=x`, `_id=x` on Patient, comma lists).
 * Bare ids count only where the parameter can target nothing but Patient.
 */
export function patientIdsNamedIn(resourceType: string, params: QueryParams | undefined): string[] {
  ensureSearchParameters();
  const ids: string[] = [];
  for (const [key, values] of Object.entries(params ?? {})) {
    const [code, modifier] = key.split(':') as [string, string | undefined];
    const all = values.flatMap((v) => v.split(','));
    if (resourceType === 'Patient' && code === '_id') {
      ids.push(...all);
      continue;
    }
    const def = getSearchParameter(resourceType, code);
    if (def?.type !== 'reference' || (modifier && modifier !== 'Patient')) continue;
    const onlyPatient = modifier === 'Patient' || (def.target?.length === 1 && def.target[0] === 'Patient');
    if (!onlyPatient && !def.target?.includes('Patient')) continue;
    for (const value of all) {
      const id = patientIdFromReference(value) ?? (onlyPatient && !value.includes('/') ? value : undefined);
      if (id !== undefined) ids.push(id);
    }
  }
  return ids;
}

/**
 * Narrows a search on a compartment type to one patient: refuses a client value naming another patient
 * (`compartment-value-not-permitted`), then sets the compartment parameter to the patient, keeping every
 * other client parameter (FHIR ANDs repeated parameters, so this is an intersection).
 */
export function narrowSearchToPatient(resourceType: string, params: QueryParams | undefined, patientId: string): NarrowingResult {
  if (patientIdsNamedIn(resourceType, params).some((id) => id !== patientId)) return { deny: 'compartment-value-not-permitted' };
  const out: Record<string, string[]> = {};
  for (const [k, vs] of Object.entries(params ?? {})) out[k] = [...vs];
  const narrowing = narrowingParam(resourceType, patientId);
  if (!narrowing) return { params: out };
  // Client values for the same parameter all name this patient (checked above) or a non-patient
  // (which ANDed with the patient gives nothing): replace the former, keep the latter.
  const kept = (out[narrowing.code] ?? []).filter((v) => v.split(',').some((x) => !namesPatient(x, patientId)));
  out[narrowing.code] = [...kept, narrowing.value];
  return { params: out };
}

function namesPatient(value: string, patientId: string): boolean {
  return value === patientId || patientIdFromReference(value) === patientId;
}

/** Appends parameters (AND) without duplicating identical values. */
export function appendParams(params: Record<string, string[]>, extra: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, vs] of Object.entries(params)) out[k] = [...vs];
  for (const [k, vs] of Object.entries(extra)) {
    const list = (out[k] ??= []);
    for (const v of vs) if (!list.includes(v)) list.push(v);
  }
  return out;
}
