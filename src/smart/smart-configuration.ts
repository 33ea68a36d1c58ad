/**
 * Discovery: the `/.well-known/smart-configuration` document and the `rest.security` block of the
 * CapabilityStatement. Pure builders from configured absolute URLs.
 *
 * @see https://hl7.org/fhir/smart-app-launch/conformance.html#metadata
 * @see https://hl7.org/fhir/smart-app-launch/conformance.html#capability-sets
 * @see https://hl7.org/fhir/smart-app-launch/conformance.html#declaring-support-for-oauth2-endpoints
 */
import type { CapabilityStatementRestSecurity, Extension } from '@medplum/fhirtypes';

/** SMART capabilities this facade implements. */
export const SMART_CAPABILITIES: readonly string[] = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'sso-openid-connect',
];

export const SMART_SCOPES_SUPPORTED: readonly string[] = [
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
  'patient/*.rs',
  'patient/*.cruds',
  'user/*.rs',
  'user/*.cruds',
  'system/*.rs',
  'patient/*.read',
  'user/*.read',
];

export interface SmartEndpoints {
  /** The authorization server's issuer (`iss` of its tokens). */
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  readonly introspectionEndpoint: string;
  readonly revocationEndpoint?: string;
  readonly registrationEndpoint?: string;
  readonly managementEndpoint?: string;
  readonly userinfoEndpoint?: string;
}

export interface SmartConfigurationOptions {
  readonly capabilities?: readonly string[];
  readonly scopesSupported?: readonly string[];
}

/** The `.well-known/smart-configuration` document (SMART App Launch 2.2). */
export interface SmartConfiguration {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly grant_types_supported: readonly string[];
  readonly token_endpoint_auth_methods_supported: readonly string[];
  readonly scopes_supported: readonly string[];
  readonly response_types_supported: readonly string[];
  readonly capabilities: readonly string[];
  readonly code_challenge_methods_supported: readonly ['S256'];
  readonly introspection_endpoint: string;
  readonly revocation_endpoint?: string;
  readonly registration_endpoint?: string;
  readonly management_endpoint?: string;
  readonly userinfo_endpoint?: string;
}

/**
 * Builds the SMART configuration with every REQUIRED field of SMART 2.2 and the capabilities
 * implemented. PKCE is `S256` only (never `plain`). Throws at start-up if a URL is not absolute https/http.
 *
 * @see https://hl7.org/fhir/smart-app-launch/conformance.html#response
 */
export function buildSmartConfiguration(endpoints: SmartEndpoints, options: SmartConfigurationOptions = {}): SmartConfiguration {
  for (const [name, value] of Object.entries(endpoints)) {
    if (value !== undefined) assertAbsoluteUrl(name, value);
  }
  return {
    issuer: endpoints.issuer,
    jwks_uri: endpoints.jwksUri,
    authorization_endpoint: endpoints.authorizationEndpoint,
    token_endpoint: endpoints.tokenEndpoint,
    // What the facade's /auth/token passes on. Backend services (client_credentials with private_key_jwt) sign their
    // assertion for the authorization server's own token endpoint and use it directly (docs/decisions.md).
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    scopes_supported: [...(options.scopesSupported ?? SMART_SCOPES_SUPPORTED)],
    response_types_supported: ['code'],
    capabilities: [...(options.capabilities ?? SMART_CAPABILITIES)],
    code_challenge_methods_supported: ['S256'],
    introspection_endpoint: endpoints.introspectionEndpoint,
    ...(endpoints.revocationEndpoint ? { revocation_endpoint: endpoints.revocationEndpoint } : {}),
    ...(endpoints.registrationEndpoint ? { registration_endpoint: endpoints.registrationEndpoint } : {}),
    ...(endpoints.managementEndpoint ? { management_endpoint: endpoints.managementEndpoint } : {}),
    ...(endpoints.userinfoEndpoint ? { userinfo_endpoint: endpoints.userinfoEndpoint } : {}),
  };
}

export const RESTFUL_SECURITY_SERVICE = 'http://terminology.hl7.org/CodeSystem/restful-security-service';
export const OAUTH_URIS_EXTENSION = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

/**
 * `CapabilityStatement.rest.security`: the SMART-on-FHIR service coding and the `oauth-uris` extension
 * (authorize, token, and when configured introspect, revoke, register, manage).
 *
 * @see https://hl7.org/fhir/smart-app-launch/conformance.html#declaring-support-for-oauth2-endpoints
 * @see https://hl7.org/fhir/R4/codesystem-restful-security-service.html
 */
export function capabilityStatementSecurity(endpoints: SmartEndpoints): CapabilityStatementRestSecurity {
  for (const [name, value] of Object.entries(endpoints)) {
    if (value !== undefined) assertAbsoluteUrl(name, value);
  }
  const uris: [string, string | undefined][] = [
    ['authorize', endpoints.authorizationEndpoint],
    ['token', endpoints.tokenEndpoint],
    ['introspect', endpoints.introspectionEndpoint],
    ['revoke', endpoints.revocationEndpoint],
    ['register', endpoints.registrationEndpoint],
    ['manage', endpoints.managementEndpoint],
  ];
  const extension: Extension[] = uris.filter((u): u is [string, string] => !!u[1]).map(([url, valueUri]) => ({ url, valueUri }));
  return {
    cors: true,
    service: [
      {
        coding: [{ system: RESTFUL_SECURITY_SERVICE, code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }],
        text: 'OAuth2 using SMART-on-FHIR profile (see https://hl7.org/fhir/smart-app-launch/)',
      },
    ],
    extension: [{ url: OAUTH_URIS_EXTENSION, extension }],
    description: 'SMART App Launch 2.2: bearer access tokens with SMART scopes; see /.well-known/smart-configuration',
  };
}

function assertAbsoluteUrl(name: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`SMART configuration: ${name} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`SMART configuration: ${name} must be http(s)`);
}
