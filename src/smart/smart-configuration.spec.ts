import { describe, expect, it } from 'vitest';
import { buildSmartConfiguration, capabilityStatementSecurity, OAUTH_URIS_EXTENSION, type SmartEndpoints } from './smart-configuration.js';

const endpoints: SmartEndpoints = {
  issuer: 'https://idp.example.org',
  authorizationEndpoint: 'https://idp.example.org/auth',
  tokenEndpoint: 'https://idp.example.org/token',
  jwksUri: 'https://idp.example.org/jwks',
  introspectionEndpoint: 'https://idp.example.org/token/introspection',
  revocationEndpoint: 'https://idp.example.org/token/revocation',
};

describe('smart-configuration', () => {
  const config = buildSmartConfiguration(endpoints) as unknown as Record<string, unknown>;

  it.each([
    'issuer',
    'jwks_uri',
    'authorization_endpoint',
    'token_endpoint',
    'grant_types_supported',
    'token_endpoint_auth_methods_supported',
    'scopes_supported',
    'response_types_supported',
    'capabilities',
    'code_challenge_methods_supported',
    'introspection_endpoint',
  ])('has %s', (field) => {
    expect(config[field]).toBeDefined();
    if (Array.isArray(config[field])) expect((config[field] as unknown[]).length).toBeGreaterThan(0);
  });

  it('offers PKCE S256 only, never plain', () => {
    expect(config['code_challenge_methods_supported']).toEqual(['S256']);
  });

  it('uses the configured absolute URLs', () => {
    expect(config['token_endpoint']).toBe(endpoints.tokenEndpoint);
    expect(config['revocation_endpoint']).toBe(endpoints.revocationEndpoint);
    expect(config['registration_endpoint']).toBeUndefined();
  });

  it('declares the launch, client, context and permission capabilities implemented', () => {
    expect(config['capabilities']).toEqual(
      expect.arrayContaining(['launch-ehr', 'launch-standalone', 'context-standalone-patient', 'permission-v1', 'permission-v2', 'sso-openid-connect']),
    );
  });

  it('advertises only the grants and client authentication the facade passes on', () => {
    expect(config['grant_types_supported']).toEqual(['authorization_code', 'refresh_token']);
    expect(config['token_endpoint_auth_methods_supported']).not.toContain('private_key_jwt');
    expect(config['capabilities']).not.toContain('client-confidential-asymmetric');
  });

  it('refuses relative URLs', () => {
    expect(() => buildSmartConfiguration({ ...endpoints, tokenEndpoint: '/token' })).toThrow(/tokenEndpoint/);
    expect(() => buildSmartConfiguration({ ...endpoints, jwksUri: 'ftp://x/jwks' })).toThrow(/jwksUri/);
  });
});

describe('CapabilityStatement rest.security', () => {
  const security = capabilityStatementSecurity(endpoints);

  it('carries the SMART-on-FHIR service coding', () => {
    expect(security.service?.[0]?.coding).toEqual([
      { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' },
    ]);
  });

  it('carries the oauth-uris extension with authorize and token', () => {
    const ext = security.extension?.find((e) => e.url === OAUTH_URIS_EXTENSION);
    const uris = Object.fromEntries((ext?.extension ?? []).map((e) => [e.url, e.valueUri]));
    expect(uris).toEqual({
      authorize: endpoints.authorizationEndpoint,
      token: endpoints.tokenEndpoint,
      introspect: endpoints.introspectionEndpoint,
      revoke: endpoints.revocationEndpoint,
    });
  });
});
