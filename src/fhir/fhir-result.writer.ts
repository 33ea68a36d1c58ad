/**
 * Writes a FhirResult on the wire: its status, the allowed headers, `application/fhir+json`. A Fastify
 * preSerialization hook, so it runs after the route (and with it the compartment filter and masking) has
 * produced the body, for every route that returns a FhirResult; other payloads pass through untouched.
 * A hook rather than a Nest interceptor: with no interceptor, Nest hands the result over without an rxjs
 * pipeline per request (issue 9). The FhirResult's status is the upstream's (a conditional create that finds
 * its match: 200), whatever the route's default.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FHIR_JSON_CHARSET } from './fhir-media.js';
import { isFhirResult } from './fhir-result.js';

const EMPTY = () => '';

export function registerFhirResultWriter(fastify: FastifyInstance): void {
  fastify.addHook('preSerialization', (_request, reply, payload, done) => {
    if (!isFhirResult(payload)) return done(null, payload);
    reply.status(payload.status).headers(payload.headers);
    if (payload.body === undefined) return done(null, noBody(reply));
    reply.header('content-type', FHIR_JSON_CHARSET);
    done(null, payload.body);
  });
}

/** No body (a write answered without one): no content type, an empty payload. */
function noBody(reply: FastifyReply): null {
  reply.removeHeader('content-type');
  reply.serializer(EMPTY);
  return null;
}
