/**
 * Fault injection for the local EMR sandboxes (local only): slow answers, error statuses, reset connections,
 * a token endpoint that is down, revoked access tokens; and hit counters, so tests can see retries.
 */
export type FhirFault =
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'reset' };

export class EmrFaults {
  fhir: FhirFault | undefined;
  /** How many FHIR requests the fault applies to (undefined: all, until cleared). */
  fhirTimes: number | undefined;
  tokenDown = false;
  /** Access tokens issued before this time (epoch seconds) are refused with 401. */
  revokedBefore = 0;
  readonly hits = { fhir: 0, token: 0, byMethod: {} as Record<string, number> };

  /** Applies `fault` to the next `times` FHIR requests (all of them when omitted). */
  set(fault: FhirFault | undefined, times?: number): void {
    this.fhir = fault;
    this.fhirTimes = times;
  }

  /** Refuses every access token issued so far. */
  revokeTokens(): void {
    this.revokedBefore = Math.floor(Date.now() / 1000) + 1;
  }

  clear(): void {
    this.fhir = undefined;
    this.fhirTimes = undefined;
    this.tokenDown = false;
  }

  /** The fault for the request being served now, if any (and counts it down). */
  take(): FhirFault | undefined {
    if (!this.fhir) return undefined;
    const fault = this.fhir;
    if (this.fhirTimes !== undefined && --this.fhirTimes <= 0) this.fhir = undefined;
    return fault;
  }
}
