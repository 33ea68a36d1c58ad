/**
 * Global authentication guard: `Authorization: Bearer <JWT>`, verified by BearerTokenVerifier (jose, the
 * trusted issuers). Public routes opt out with @Public(); everything else needs a valid token.
 * Every failure is the same 401 with `WWW-Authenticate` (RFC 6750 §3): the client is not told which check failed.
 * The one exception: a valid token whose launch context cannot be looked up (store unreachable) gets 503 with
 * `Retry-After`, so the app keeps its token and tries again, and is never served without its patient.
 *
 * Not a passport strategy: with passport's per-request path (a strategy object made with `Object.create` for
 * each request, callbacks closing over the request) nearly every request's objects survived the young
 * generation's collections and were promoted to old space (issue 9, BENCHMARKS.md log 15; docs/decisions.md).
 */
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { invalidToken, serviceUnavailable, unauthorized } from '../fhir/outcomes.js';
import { BearerTokenVerifier } from './bearer-token.verifier.js';
import { LaunchContextUnavailableError } from './launch-context.resolver.js';
import type { Principal } from './principal.js';
import { IS_PUBLIC } from './public.decorator.js';

const BEARER = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)$/;

@Injectable()
export class BearerAuthGuard implements CanActivate {
  private readonly realm: string;

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: BearerTokenVerifier,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.realm = config.fhirBase;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    request.user = await this.authenticate(request.headers.authorization);
    return true;
  }

  private async authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw unauthorized({ 'www-authenticate': `Bearer realm="${this.realm}"` });
    try {
      const match = BEARER.exec(header.trim());
      if (!match) throw new Error('malformed authorization header');
      return await this.verifier.verify(match[1]!);
    } catch (err) {
      if (err instanceof LaunchContextUnavailableError) throw serviceUnavailable('Launch context temporarily unavailable', 5);
      throw invalidToken({ 'www-authenticate': `Bearer realm="${this.realm}", error="invalid_token"` });
    }
  }
}
