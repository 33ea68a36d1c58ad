/**
 * `/auth/introspect` (RFC 7662): a token the facade would accept is described; anything else (expired,
 * untrusted issuer, bad signature, not a JWT, missing) is `{"active": false}` and nothing more.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 * @see https://hl7.org/fhir/smart-app-launch/token-introspection.html
 */
import { Injectable } from '@nestjs/common';
import { BearerTokenVerifier } from '../auth/bearer-token.verifier.js';

const JWT = /^[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*$/;

@Injectable()
export class IntrospectionService {
  constructor(private readonly verifier: BearerTokenVerifier) {}

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
    } catch {
      return { active: false };
    }
  }
}
