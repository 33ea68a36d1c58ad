/**
 * What the facade needs from any FHIR server it fronts (AHDS, an EMR, the local sandbox).
 * Backends only move bytes and report status: they never authorize or mask.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';

export type BackendMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface BackendRequest {
  readonly method: BackendMethod;
  /** Relative to the backend's base, no leading slash: `Patient/1/_history/2`, `Observation/_search`, `` for batch. */
  readonly path: string;
  /** Already encoded query string without `?`, or empty. */
  readonly query?: string;
  readonly body?: unknown;
  /** Only the FHIR headers that matter upstream; never the caller's Authorization. */
  readonly headers?: Readonly<Partial<Record<'if-match' | 'if-none-match' | 'if-none-exist' | 'prefer' | 'content-type' | 'x-request-id', string>>>;
  /** Cancels the call (set by the resilience layer's deadline). */
  readonly signal?: AbortSignal;
}

export interface BackendResponse {
  readonly status: number;
  /** Parsed JSON body, undefined when empty. */
  readonly body: unknown;
  readonly headers: Readonly<Partial<Record<'location' | 'content-location' | 'etag' | 'last-modified', string>>>;
  /**
   * Issues the facade itself raises about this response (a merged search missing one backend's results).
   * Fixed phrases only, built by `src/fhir/outcomes.ts`: added to a searchset as `search.mode = outcome`
   * entries after the visibility filter, which drops upstream outcomes (they may quote PHI).
   */
  readonly outcomes?: readonly OperationOutcome[];
}

export interface FhirBackend {
  /** Short name used in logs, metrics, `meta.source` tags. */
  readonly name: string;
  /** Absolute base URL, no trailing slash: what the facade rewrites to its own base. */
  readonly baseUrl: string;
  request(request: BackendRequest): Promise<BackendResponse>;
  /** Cheap reachability probe for readiness. */
  ping(): Promise<boolean>;
}

/** DI token for the backend the FHIR routes use. */
export const FHIR_BACKEND = Symbol('FHIR_BACKEND');
