/** What a FHIR route hands back: written on the wire by FhirResponseInterceptor after the outbound checks. */
export interface FhirResult {
  readonly status: number;
  /** Parsed JSON (a Resource, usually); undefined for 204. */
  body?: unknown;
  readonly headers: Record<string, string>;
}

export function isFhirResult(value: unknown): value is FhirResult {
  return typeof value === 'object' && value !== null && typeof (value as FhirResult).status === 'number' && 'headers' in value;
}
