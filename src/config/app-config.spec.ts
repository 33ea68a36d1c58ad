import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

describe('configuration', () => {
  it('defaults to the local profile on port 8080 with the FHIR base under PUBLIC_BASE_URL', () => {
    const config = loadConfig({});
    expect(config.profile).toBe('local');
    expect(config.port).toBe(8080);
    expect(config.publicBaseUrl).toBe('http://127.0.0.1:8080');
    expect(config.fhirBase).toBe('http://127.0.0.1:8080/fhir');
    expect(config.fhirBaseUrl).toBeUndefined();
    expect(config.sandboxFhirPort).toBe(8081);
    expect(config.localIdpPort).toBe(8082);
    expect(config.audit.failMode).toBe('closed');
  });

  it('derives the default public base URL from PORT', () => {
    expect(loadConfig({ PORT: '9090' }).fhirBase).toBe('http://127.0.0.1:9090/fhir');
  });

  it('parses AUTH_ISSUERS', () => {
    const config = loadConfig({
      AUTH_ISSUERS: JSON.stringify([{ issuer: 'https://login.example.org/t/v2.0', audiences: ['https://fhir.example.org/fhir'] }]),
    });
    expect(config.authIssuers).toEqual([{ issuer: 'https://login.example.org/t/v2.0', audiences: ['https://fhir.example.org/fhir'], jwksUri: undefined }]);
  });

  it('names every bad variable in one error, without echoing values', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        PORT: 'eighty',
        FHIR_BASE_URL: 'not a url SECRET-VALUE',
        AUTH_ISSUERS: '{"issuer": 1}',
        LOG_LEVEL: 'loud',
        AUDIT_FAIL_MODE: 'sometimes',
        APP_PROFILE: 'local',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['PORT', 'FHIR_BASE_URL', 'AUTH_ISSUERS', 'LOG_LEVEL', 'AUDIT_FAIL_MODE']) expect(error!.message).toContain(name);
    expect(error!.message).not.toContain('SECRET-VALUE');
  });

  it('requires the upstream, issuers and Event Hubs in the azure profile, over https', () => {
    expect(() => loadConfig({ APP_PROFILE: 'azure' })).toThrow(/FHIR_BASE_URL.*AUTH_ISSUERS|AUTH_ISSUERS.*FHIR_BASE_URL/s);
    expect(() =>
      loadConfig({
        APP_PROFILE: 'azure',
        FHIR_BASE_URL: 'http://insecure.example.org/fhir',
        AUTH_ISSUERS: JSON.stringify([{ issuer: 'https://login.example.org/t/v2.0', audiences: ['a'] }]),
        AUDIT_EVENTHUB_NAMESPACE: 'ns.servicebus.windows.net',
        AUDIT_EVENTHUB_NAME: 'audit',
      }),
    ).toThrow(/FHIR_BASE_URL must be https/);
  });

  it('keeps the launch context of a refresh token 24 h by default, within 1 min to 90 days', () => {
    expect(loadConfig({}).launchRefreshTtlSeconds).toBe(86_400);
    expect(loadConfig({ LAUNCH_REFRESH_TTL_SECONDS: '3600' }).launchRefreshTtlSeconds).toBe(3600);
    expect(() => loadConfig({ LAUNCH_REFRESH_TTL_SECONDS: '10' })).toThrow(/LAUNCH_REFRESH_TTL_SECONDS/);
    expect(() => loadConfig({ LAUNCH_REFRESH_TTL_SECONDS: String(91 * 86_400) })).toThrow(/LAUNCH_REFRESH_TTL_SECONDS/);
  });

  it("reads the facade's own app registration for the azure picker; its secret is a secret, never in the config", () => {
    expect(loadConfig({}).facadeClientId).toBeUndefined();
    const config = loadConfig({ FACADE_CLIENT_ID: 'facade-app', FACADE_CLIENT_SECRET: 'SECRET-VALUE' });
    expect(config.facadeClientId).toBe('facade-app');
    expect(config.secrets.values['facade-client-secret']).toBe('SECRET-VALUE');
    expect(JSON.stringify({ ...config, secrets: undefined })).not.toContain('SECRET-VALUE');
    expect(() => loadConfig({ FACADE_CLIENT_ID: 'facade-app' })).toThrow(/FACADE_CLIENT_SECRET/);
    // With Key Vault the secret `facade-client-secret` may live there instead.
    expect(loadConfig({ FACADE_CLIENT_ID: 'facade-app', KEY_VAULT_URL: 'https://kv.example.org' }).facadeClientId).toBe('facade-app');
  });

  it('refuses an issuer entry without audiences', () => {
    expect(() => loadConfig({ AUTH_ISSUERS: JSON.stringify([{ issuer: 'https://x.example.org' }]) })).toThrow(/AUTH_ISSUERS\[0\]/);
  });
});
