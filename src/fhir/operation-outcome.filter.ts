/**
 * The one global filter that writes errors: every error leaves as an OperationOutcome with the right
 * status, `application/fhir+json`, and no stack trace or PHI. Unexpected errors are logged by name
 * and code only (messages can carry URLs with query strings).
 */
import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toOutcomeError } from './error-translation.js';
import { FHIR_JSON_CHARSET } from './fhir-media.js';
import type { OperationOutcomeError } from './outcomes.js';

@Catch()
export class OperationOutcomeFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { error, unexpected } = toOutcomeError(exception);
    if (unexpected) this.logger.error({ requestId: request.id, error: describe(exception) }, 'unexpected error');
    sendOutcome(reply, error);
  }
}

/** Writes an OperationOutcomeError on a Fastify reply. */
export function sendOutcome(reply: FastifyReply, error: OperationOutcomeError): void {
  if (reply.sent) return;
  reply.status(error.status).headers(error.headers).header('content-type', FHIR_JSON_CHARSET).send(JSON.stringify(error.outcome));
}

/** Name and code of an error, never its message or stack (both may echo request data). */
export function describe(err: unknown): Record<string, unknown> {
  const e = err as { name?: unknown; code?: unknown; constructor?: { name?: string } };
  return { type: typeof e?.name === 'string' ? e.name : e?.constructor?.name, code: typeof e?.code === 'string' ? e.code : undefined };
}
