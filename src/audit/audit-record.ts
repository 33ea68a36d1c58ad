/**
 * What the HTTP layer knows about one request once it has been answered (or refused): the input of the
 * AuditEvent factory. Nothing here is a resource body; `patients` are ids taken from the resources actually
 * returned or written (not only from the URL), so one AuditEvent is produced per patient touched.
 */
import type { Principal } from '../auth/principal.js';

/**
 * FHIR RESTful interactions, plus `unknown` for requests that never reached routing (e.g. a 401 on a bad path).
 * @see https://hl7.org/fhir/R4/codesystem-restful-interaction.html
 */
export type AuditInteraction =
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'create'
  | 'search-type'
  | 'search-system'
  | 'search-compartment'
  | 'capabilities'
  | 'batch'
  | 'transaction'
  | 'operation'
  | 'unknown';

export interface AuditRecord {
  /** `x-request-id` (incoming or generated); becomes BALP's transaction entity. */
  readonly requestId: string;
  /** When the request was received. */
  readonly timestamp: Date;
  /** HTTP method, upper case. */
  readonly method: string;
  /** URL path only, without the query string (e.g. `/fhir/Observation`). */
  readonly path: string;
  /** Raw query string without the leading `?` (may be empty). Stored base64-encoded only, in the query entity. */
  readonly queryString: string;
  readonly interaction: AuditInteraction;
  readonly resourceType?: string;
  /** Id of the resource read, written or deleted (for create: the id the server assigned). */
  readonly resourceId?: string;
  /** HTTP status sent to the client. */
  readonly status: number;
  /** Time from receipt to response, in milliseconds. */
  readonly durationMs: number;
  /** Client IP address as seen by the facade (after trusted-proxy handling). */
  readonly ip: string;
  /** `User-Agent` header (truncated by the factory). */
  readonly userAgent: string;
  /** Undefined when authentication failed (401) or the route is public. */
  readonly principal?: Principal;
  /** Patient ids touched by the request (deduplicated by the factory); empty when none. */
  readonly patients: readonly string[];
  /** Set when the request was served under break-glass; the clinician's stated justification. */
  readonly breakGlassReason?: string;
  /** True when an unmasked SSN was disclosed in the response. */
  readonly fullSsnDisclosed?: boolean;
  /** Fixed phrase describing the outcome (e.g. the denying rule's name); never client input or PHI. */
  readonly outcomeText?: string;
}
