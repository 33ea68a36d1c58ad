import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';

/** What a FHIR route hands back: written on the wire by fhir-result.writer.ts after the outbound checks. */
export interface FhirResult {
  readonly status: number;
  /** Parsed JSON (a Resource, usually); undefined for 204. */
  body?: unknown;
  readonly headers: Record<string, string>;
  /** The facade's own issues about this answer (fixed phrases), e.g. a merged search missing one backend. */
  readonly outcomes?: readonly OperationOutcome[];
}

/**
 * Adds the facade's own outcomes to a searchset as `search.mode = outcome` entries. Runs after the visibility
 * filter (which drops upstream outcome entries, as they may quote PHI) and masking: these carry fixed phrases only.
 *
 * @see https://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.search.mode
 */
export function addOutcomeEntries(result: FhirResult): void {
  const body = result.body as Bundle | undefined;
  if (!result.outcomes?.length || body?.resourceType !== 'Bundle' || body.type !== 'searchset') return;
  result.body = { ...body, entry: [...(body.entry ?? []), ...result.outcomes.map((resource) => ({ resource, search: { mode: 'outcome' as const } }))] };
}

export function isFhirResult(value: unknown): value is FhirResult {
  return typeof value === 'object' && value !== null && typeof (value as FhirResult).status === 'number' && 'headers' in value;
}
