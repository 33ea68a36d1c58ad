/**
 * `/auth/introspect` (RFC 7662), for authorized callers only (RFC 7662 §2.1): the caller presents a bearer
 * token this facade accepts, as SMART App Launch requires of an EHR that protects introspection ("an
 * appropriately-scoped SMART App or SMART Backend Service bearer token in the Authorization header"); the
 * SMART test kit (Inferno) sends whatever Authorization header the tester gives it. A caller without one is
 * answered 401 with `WWW-Authenticate` (RFC 7662 §2.3, RFC 6750 §3).
 *
 * The token asked about: one the facade would accept is described, with the launch context kept for it when
 * the token cannot carry it (Entra ID); anything else (expired, untrusted issuer, bad signature, not a JWT,
 * missing) is `{"active": false}` and nothing more.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 * @see https://hl7.org/fhir/smart-app-launch/token-introspection.html#authorization-to-perform-token-introspection
 */
import { Inject, Injectable } from '@nestjs/common';
import { LaunchContextUnavailableError } from '../auth/index.js';
import { BearerTokenVerifier } from '../auth/bearer-token.verifier.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { OAuthError } from './oauth-error.js';

const JWT = /^[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*$/;
const BEARER = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)$/;

@Injectable()
export class IntrospectionService {
  private readonly realm: string;

  constructor(
    private readonly verifier: BearerTokenVerifier,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.realm = config.fhirBase;
  }

  /** Lets the call through when `authorization` is a bearer token the facade accepts; 401 otherwise. */
  async authorizeCaller(authorization: string | undefined): Promise<void> {
    const match = authorization === undefined ? null : BEARER.exec(authorization.trim());
    if (!match) {
      // RFC 6750 §3.1: no error code in the challenge when no bearer token was presented.
      throw new OAuthError('invalid_token', 'Token introspection requires a bearer token', 401, { 'www-authenticate': `Bearer realm="${this.realm}"` });
    }
    try {
      await this.verifier.verifyClaims(match[1]!);
    } catch {
      throw new OAuthError('invalid_token', 'Token introspection requires a valid bearer token', 401, {
        'www-authenticate': `Bearer realm="${this.realm}", error="invalid_token"`,
      });
    }
  }

  async introspect(raw: unknown): Promise<Record<string, unknown>> {
    const token = (raw as Record<string, unknown> | undefined)?.['token'];
    if (typeof token !== 'string' || !JWT.test(token)) return { active: false };
    try {
      const p = await this.verifier.verify(token);
      if (p.expiresAt <= Date.now() / 1000) return { active: false };
      return {
        active: true,
        scope: p.scopes.join(' '),
        client_id: p.clientId,
        sub: p.subject,
        iss: p.issuer,
        exp: p.expiresAt,
        token_type: 'Bearer',
        ...(p.fhirUser ? { fhirUser: p.fhirUser } : {}),
        ...(p.patient ? { patient: p.patient } : {}),
        ...(p.encounter ? { encounter: p.encounter } : {}),
      };
    } catch (err) {
      // A good token whose kept launch context cannot be read: neither "inactive" nor described without it.
      if (err instanceof LaunchContextUnavailableError) throw new OAuthError('temporarily_unavailable', 'The launch context store is unavailable', 503);
      return { active: false };
    }
  }
}
