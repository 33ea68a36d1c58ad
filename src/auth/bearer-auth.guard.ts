/**
 * Global authentication guard. Public routes opt out with @Public(); everything else needs a valid token.
 * Every failure is the same 401 with `WWW-Authenticate` (RFC 6750 §3): the client is not told which check failed.
 * The one exception: a valid token whose launch context cannot be looked up (store unreachable) gets 503 with
 * `Retry-After`, so the app keeps its token and tries again, and is never served without its patient.
 */
import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { invalidToken, serviceUnavailable, unauthorized } from '../fhir/outcomes.js';
import { MissingTokenError } from './bearer.strategy.js';
import { LaunchContextUnavailableError } from './launch-context.resolver.js';
import type { Principal } from './principal.js';
import { IS_PUBLIC } from './public.decorator.js';

@Injectable()
export class BearerAuthGuard extends AuthGuard('bearer') {
  private readonly realm: string;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.realm = config.fhirBase;
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic ? true : super.canActivate(context);
  }

  override handleRequest<T = Principal>(err: unknown, user: T | false): T {
    if (!err && user) return user;
    if (err instanceof MissingTokenError) throw unauthorized({ 'www-authenticate': `Bearer realm="${this.realm}"` });
    if (err instanceof LaunchContextUnavailableError) throw serviceUnavailable('Launch context temporarily unavailable', 5);
    throw invalidToken({ 'www-authenticate': `Bearer realm="${this.realm}", error="invalid_token"` });
  }
}
