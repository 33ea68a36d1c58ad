/**
 * Writes a FhirResult on the wire: status, the allowed headers, `application/fhir+json`.
 * Runs last on the way out, after the compartment filter and masking have done their work on the body.
 */
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import { FHIR_JSON_CHARSET } from './fhir-media.js';
import { isFhirResult } from './fhir-result.js';

@Injectable()
export class FhirResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((result: unknown) => {
        if (!isFhirResult(result)) return result;
        reply.status(result.status).headers(result.headers);
        if (result.body === undefined) return undefined;
        reply.header('content-type', FHIR_JSON_CHARSET);
        return JSON.stringify(result.body);
      }),
    );
  }
}
