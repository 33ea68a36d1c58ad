import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { BackendRequest } from '../backends/index.js';
import { accessRecordOf, principalOf } from './access-record.js';
import type { AccessContext } from './fhir-access.service.js';

/** FHIR headers passed upstream on writes; nothing else of the caller's request goes there. */
const FORWARDED = ['if-match', 'if-none-match', 'if-none-exist', 'prefer'] as const;

/** The principal, the request's access record and what to forward upstream, for FhirAccessService. */
export const Access = createParamDecorator((_: unknown, ctx: ExecutionContext): AccessContext => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  const principal = principalOf(request);
  if (!principal) throw new Error('route has no authenticated principal');
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = request.headers[name];
    if (typeof value === 'string' && value.length <= 512) headers[name] = value;
  }
  return { principal, record: accessRecordOf(request), forward: { requestId: request.id, headers: headers as BackendRequest['headers'] } };
});

/** `X-Break-Glass-Reason`, trimmed; an empty header is kept as '' so the policy can name the missing reason. */
export const BreakGlassReason = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<FastifyRequest>().headers['x-break-glass-reason'];
  if (typeof value !== 'string') return undefined;
  return value.trim().slice(0, 500);
});
