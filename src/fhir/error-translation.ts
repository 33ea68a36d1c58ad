/**
 * Any thrown value -> an OperationOutcomeError with the right status. The text is always one of the
 * outcomes module's fixed phrases: parser messages (which can quote the input) are never passed on.
 */
import { HttpException } from '@nestjs/common';
import {
  badRequest,
  methodNotAllowed,
  notFound,
  OperationOutcomeError,
  outcome,
  payloadTooLarge,
  serverError,
  unsupportedMediaType,
} from './outcomes.js';

const FASTIFY_CODES: Record<string, () => OperationOutcomeError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: payloadTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: unsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => badRequest('Invalid Content-Length'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => badRequest('Request body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => badRequest('Malformed JSON body'),
};

export function toOutcomeError(err: unknown): { error: OperationOutcomeError; unexpected: boolean } {
  if (err instanceof OperationOutcomeError) return { error: err, unexpected: false };
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && FASTIFY_CODES[code]) return { error: FASTIFY_CODES[code](), unexpected: false };
  if (err instanceof SyntaxError) return { error: badRequest('Malformed JSON body'), unexpected: false };
  const status = err instanceof HttpException ? err.getStatus() : (err as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 404) return { error: notFound(), unexpected: false };
    if (status === 405) return { error: methodNotAllowed(), unexpected: false };
    if (status === 413) return { error: payloadTooLarge(), unexpected: false };
    if (status === 415) return { error: unsupportedMediaType(), unexpected: false };
    return { error: new OperationOutcomeError(status, outcome('error', 'invalid', 'Invalid request')), unexpected: false };
  }
  return { error: serverError(), unexpected: true };
}
