/**
 * The authorization server behind the facade: the first trusted issuer (in the local profile, the local
 * IdP; in Azure, Entra ID). Its endpoints come from its OpenID discovery document, fetched once and kept
 * for ten minutes. SMART clients are shown the facade's own `/auth/authorize`, `/auth/token` and
 * `/auth/introspect` (src/launch/), which front it; `issuer` and `jwks_uri` stay the upstream's, since
 * it signs the tokens.
 *
 * @see https://build.fhir.org/ig/HL7/smart-app-launch/conformance.html
 */
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import type { SmartEndpoints } from '../smart/index.js';
import { serviceUnavailable } from './outcomes.js';

const TTL_MS = 10 * 60_000;

interface DiscoveryDocument {
  issuer?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  registration_endpoint?: string;
  userinfo_endpoint?: string;
}

@Injectable()
export class AuthorizationServerDiscovery {
  private cached?: { endpoints: SmartEndpoints; expires: number };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** What SMART clients are told: the facade's authorization endpoints, the upstream's issuer and keys. */
  async endpoints(): Promise<SmartEndpoints> {
    const upstream = await this.upstream();
    const base = `${this.config.publicBaseUrl}/auth`;
    return {
      ...upstream,
      authorizationEndpoint: `${base}/authorize`,
      tokenEndpoint: `${base}/token`,
      introspectionEndpoint: `${base}/introspect`,
      revocationEndpoint: undefined,
    };
  }

  /** The upstream authorization server's own endpoints (the facade forwards to them). */
  async upstream(): Promise<SmartEndpoints> {
    if (this.cached && this.cached.expires > Date.now()) return this.cached.endpoints;
    const issuer = this.config.authIssuers[0]?.issuer;
    if (!issuer) throw serviceUnavailable('No authorization server configured');
    let doc: DiscoveryDocument;
    try {
      const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(String(res.status));
      doc = (await res.json()) as DiscoveryDocument;
    } catch {
      throw serviceUnavailable('Authorization server discovery unavailable', 30);
    }
    if (doc.issuer !== issuer || !doc.authorization_endpoint || !doc.token_endpoint || !doc.jwks_uri) {
      throw serviceUnavailable('Authorization server discovery incomplete', 30);
    }
    const endpoints: SmartEndpoints = {
      issuer,
      authorizationEndpoint: doc.authorization_endpoint,
      tokenEndpoint: doc.token_endpoint,
      jwksUri: doc.jwks_uri,
      introspectionEndpoint: doc.introspection_endpoint ?? `${this.config.publicBaseUrl}/auth/introspect`,
      revocationEndpoint: doc.revocation_endpoint,
      userinfoEndpoint: doc.userinfo_endpoint,
    };
    this.cached = { endpoints, expires: Date.now() + TTL_MS };
    return endpoints;
  }
}
