/**
 * What one request did, collected along its way for the audit trail: the interaction, the rule that
 * decided, the patients whose data was returned or written, break-glass and full-SSN disclosure flags.
 * It lives on the request, so a request that never reached a handler (401, 404 route, 413) is still audited.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { FhirInteraction } from '../smart/fhir-interaction.js';

export interface AccessRecord {
  interaction?: FhirInteraction;
  /** Patients whose data this request returned or wrote (ids). */
  readonly patients: Set<string>;
  /** The rule that allowed or denied. */
  rule?: string;
  breakGlassReason?: string;
  fullSsnDisclosed?: boolean;
}

type WithRecord = FastifyRequest & { accessRecord?: AccessRecord; user?: Principal };

/** The request's record, created on first use. */
export function accessRecordOf(request: FastifyRequest): AccessRecord {
  const r = request as WithRecord;
  r.accessRecord ??= { patients: new Set() };
  return r.accessRecord;
}

/** The authenticated principal of a request, if authentication succeeded. */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return (request as WithRecord).user;
}
