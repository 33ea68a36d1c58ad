/**
 * Transport-level checks that run before routing, for every request:
 * request id, gateway secret, content negotiation (JSON only), body parsers, the request log line.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { LoggerService } from '@nestjs/common';
import type { AppConfig } from '../config/index.js';
import { pathOnly } from '../logging/pino-options.js';
import type { FacadeMetrics } from '../telemetry/facade-metrics.js';
import { acceptsJson, formatIsJson } from '../fhir/fhir-media.js';
import { forbidden, notAcceptable } from '../fhir/outcomes.js';

const REQUEST_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;

/** Honours a well-formed `x-request-id`, else generates one; also stored on the raw request for the logger. */
export function genReqId(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  (raw as IncomingMessage & { id: string }).id = id;
  return id;
}

export function registerHooks(fastify: FastifyInstance, config: AppConfig, logger: LoggerService, metrics: FacadeMetrics): void {
  const jsonParser = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(['application/fhir+json', 'application/json-patch+json', 'application/json+fhir'], { parseAs: 'string' }, jsonParser);

  const secret = config.gatewaySharedSecret ? Buffer.from(config.gatewaySharedSecret) : undefined;

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (secret && !request.url.startsWith('/health/')) {
      const given = Buffer.from(String(request.headers['x-gateway-secret'] ?? ''));
      if (given.length !== secret.length || !timingSafeEqual(given, secret)) throw forbidden('gateway-secret-required');
    }
    if (request.url.startsWith('/fhir')) {
      const query = request.query as Record<string, string | string[] | undefined>;
      if (!formatIsJson(query?._format)) throw notAcceptable();
      if (!request.url.startsWith('/fhir/.well-known/') && !acceptsJson(request.headers.accept)) throw notAcceptable();
    }
  });

  // One line per request: id, method, path (never the query), status, time. No headers, no bodies.
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.request(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime);
    logger.log({
      msg: 'request completed',
      requestId: request.id,
      method: request.method,
      path: pathOnly(request.url),
      status: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime),
    });
  });

  // Errors Fastify raises before routing (body limit, media type, bad JSON) reach Nest's error handler,
  // which hands them to OperationOutcomeFilter: one place writes every error.
}
