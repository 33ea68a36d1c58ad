/**
 * Audits every request at one lifecycle point, Fastify's onSend, which every answer passes through:
 * successes, 401s from the guard, 403s from the policy, 404 routes, 413/415 from the parser, 429s, upstream
 * errors. The events are durable before the response is released. If the outbox cannot take them, PHI routes
 * answer 503 (AUDIT_FAIL_MODE=closed, the default) or are served with an alert (open).
 *
 * @see https://www.hhs.gov/hipaa/for-professionals/security/laws-regulations (45 CFR §164.312(b) audit controls)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accessRecordOf, principalOf } from '../fhir/access-record.js';
import { encodeQuery } from '../fhir/fhir-request.parser.js';
import { FHIR_JSON_CHARSET } from '../fhir/fhir-media.js';
import { serviceUnavailable } from '../fhir/outcomes.js';
import { pathOnly } from '../logging/pino-options.js';
import type { AuditRecord } from './audit-record.js';
import type { AuditService } from './audit.service.js';
import { AuditUnavailableError } from './audit-unavailable.error.js';

/** Public, PHI-free routes that are not audited (probes, discovery, API docs, the demo app's static files). */
const NOT_AUDITED = /^\/(health\/|fhir\/metadata(\?|$)|fhir\/\.well-known\/|docs(\/|$)|demo-app\/|favicon)/;
/** Routes that can carry PHI: refused with 503 when the audit cannot be written in fail-closed mode. */
const PHI_ROUTES = /^\/(fhir|bff)\//;

export interface AuditAlerts {
  /** Raised when a request was served although its audit events could not be written (fail open). */
  auditUnavailable(reason: string): void;
}

export function registerAuditHook(fastify: FastifyInstance, audit: AuditService, alerts: AuditAlerts): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (NOT_AUDITED.test(request.url)) return payload;
    try {
      await audit.record(auditRecordOf(request, reply));
      return payload;
    } catch (err) {
      if (!(err instanceof AuditUnavailableError)) throw err;
      alerts.auditUnavailable(err.reason);
      if (audit.failMode === 'open' || !PHI_ROUTES.test(request.url)) return payload;
      const error = serviceUnavailable('Audit trail unavailable', 30);
      reply.code(error.status).headers(error.headers).header('content-type', FHIR_JSON_CHARSET);
      reply.removeHeader('etag');
      reply.removeHeader('location');
      reply.removeHeader('last-modified');
      return JSON.stringify(error.outcome);
    }
  });
}

function auditRecordOf(request: FastifyRequest, reply: FastifyReply): AuditRecord {
  const record = accessRecordOf(request);
  const i = record.interaction;
  const status = reply.statusCode;
  const patients = new Set(record.patients);
  // A refused request touched nothing, but the patient it aimed at is recorded as the target of the attempt.
  if (status >= 400) for (const id of targetedPatients(request)) patients.add(id);
  const q = request.url.indexOf('?');
  return {
    requestId: request.id,
    timestamp: new Date(Date.now() - reply.elapsedTime),
    method: request.method,
    path: pathOnly(request.url),
    queryString: i?.params ? encodeQuery(i.params) : q === -1 ? '' : request.url.slice(q + 1),
    interaction: i?.interaction ?? 'unknown',
    resourceType: i?.resourceType,
    resourceId: i?.id ?? createdId(reply),
    status,
    durationMs: Math.round(reply.elapsedTime),
    ip: request.ip,
    userAgent: String(request.headers['user-agent'] ?? ''),
    principal: principalOf(request),
    patients: [...patients],
    breakGlassReason: record.breakGlassReason,
    fullSsnDisclosed: record.fullSsnDisclosed,
    outcomeText: record.rule ? `rule: ${record.rule}` : undefined,
  };
}

/** `Patient/<id>` in the path or `patient=` / `subject=Patient/` in the query of a refused request. */
function targetedPatients(request: FastifyRequest): string[] {
  const ids = new Set<string>();
  const path = /^\/fhir\/Patient\/([A-Za-z0-9\-.]{1,64})(\/|$)/.exec(pathOnly(request.url));
  if (path) ids.add(path[1]!);
  const query = request.query as Record<string, unknown> | undefined;
  for (const name of ['patient', 'subject']) {
    const values = query?.[name];
    for (const v of Array.isArray(values) ? values : [values]) {
      if (typeof v !== 'string') continue;
      for (const part of v.split(',')) {
        const m = /^(?:Patient\/)?([A-Za-z0-9\-.]{1,64})$/.exec(part);
        if (m && (name === 'patient' || part.startsWith('Patient/'))) ids.add(m[1]!);
      }
    }
  }
  return [...ids];
}

function createdId(reply: FastifyReply): string | undefined {
  const location = reply.getHeader('location');
  const m = typeof location === 'string' ? /\/([A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(location) : null;
  return m?.[1];
}
