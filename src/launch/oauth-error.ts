/**
 * OAuth 2.0 errors of the authorization facade (`/auth/*`), answered as RFC 6749 error JSON, never as an
 * OperationOutcome. Descriptions are fixed phrases: they never echo a code, token or parameter value.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { describe } from '../fhir/operation-outcome.filter.js';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  // RFC 6750 §3.1: a bearer token presented to /auth/introspect that is not valid.
  | 'invalid_token';

export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    /** Extra response headers (`WWW-Authenticate` of a 401). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

/** Headers every token-bearing or token-describing answer carries (RFC 6749 §5.1). */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/** Writes OAuthError (and anything unexpected, as server_error) as OAuth error JSON with no-store headers. */
@Catch()
export class OAuthErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('OAuth');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    const known = exception instanceof OAuthError;
    if (!known) this.logger.error({ error: describe(exception) }, 'unexpected error in the authorization facade');
    const status = known ? exception.status : statusOf(exception);
    const body = known
      ? { error: exception.error, error_description: exception.description }
      : { error: status === 503 ? 'temporarily_unavailable' : 'server_error', error_description: 'The authorization server could not answer' };
    reply.status(status).headers({ ...(known ? exception.headers : {}), ...NO_STORE }).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
  }
}

/** 503 for an upstream that cannot be reached, else 500. */
function statusOf(err: unknown): number {
  const s = (err as { status?: unknown })?.status;
  return s === 503 || s === 502 || s === 504 ? 503 : 500;
}
