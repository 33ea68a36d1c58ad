import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const EPIC = {
  EPIC_FHIR_BASE_URL: 'https://fhir.epic.example.org/api/FHIR/R4',
  EPIC_TOKEN_URL: 'https://fhir.epic.example.org/oauth2/token',
  EPIC_MRN_SYSTEM: 'urn:oid:1.2.3',
};

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return [...(err as ConfigError).problems];
  }
};

describe('backends configuration', () => {
  it('has no EMRs, no routes and resilience defaults when nothing is set', () => {
    const { backends, secrets } = loadConfig({});
    expect(backends.emrs).toEqual([]);
    expect(backends.routes).toEqual([]);
    expect(backends.mergedSearchFailure).toBe('partial');
    expect(backends.resilience).toMatchObject({ attemptTimeoutMs: 10_000, deadlineMs: 20_000, retries: 2, breakerFailures: 5, maxResponseBytes: 16_777_216 });
    expect(secrets.refreshMs).toBe(300_000);
  });

  it('an EMR with its URLs and MRN system gets the default routes', () => {
    const { backends, secrets } = loadConfig({ ...EPIC, EPIC_CLIENT_ID: 'client-1', EPIC_PRIVATE_KEY_FILE: '/run/secrets/epic.jwk' });
    expect(backends.emrs).toEqual([expect.objectContaining({ name: 'epic', mrnSystem: 'urn:oid:1.2.3' })]);
    expect(backends.routes).toEqual([
      { types: ['Appointment', 'Slot', 'Schedule'], backends: ['epic'] },
      { types: ['MedicationRequest'], backends: ['ahds', 'epic'] },
    ]);
    expect(secrets.values).toEqual({ 'epic-client-id': 'client-1' });
    expect(secrets.files).toEqual({ 'epic-private-key': '/run/secrets/epic.jwk' });
  });

  it('names every bad backend variable in the one error', () => {
    expect(problems({ EPIC_FHIR_BASE_URL: 'https://x/api/FHIR/R4', MERGED_SEARCH_FAILURE: 'maybe', UPSTREAM_RETRIES: '9', FHIR_ROUTES: '[{"types":["Appointment"],"backends":["cerner"]}]' })).toEqual([
      'EPIC_TOKEN_URL is required',
      'EPIC_MRN_SYSTEM is required with EPIC_FHIR_BASE_URL',
      'FHIR_ROUTES[0] names a backend that is not configured (known: ahds)',
      "MERGED_SEARCH_FAILURE must be 'partial' or 'fail'",
      'UPSTREAM_RETRIES must be an integer from 0 to 5',
    ]);
    expect(problems({ UPSTREAM_TIMEOUT_MS: '5000', UPSTREAM_DEADLINE_MS: '1000' })).toEqual(['UPSTREAM_DEADLINE_MS must be at least UPSTREAM_TIMEOUT_MS']);
    expect(problems({ FHIR_ROUTES: '{}' })[0]).toMatch(/^FHIR_ROUTES must be a JSON array/);
    for (const size of ['65535', '268435457', '16MB']) {
      expect(problems({ UPSTREAM_MAX_RESPONSE_BYTES: size })).toEqual(['UPSTREAM_MAX_RESPONSE_BYTES must be an integer from 65536 to 268435456']);
    }
    expect(loadConfig({ UPSTREAM_MAX_RESPONSE_BYTES: '65536' }).backends.resilience.maxResponseBytes).toBe(65_536);
  });

  it('in azure the masking key may come from Key Vault instead of MASKING_HASH_KEY', () => {
    const azure = { APP_PROFILE: 'azure', FHIR_BASE_URL: 'https://x.fhir.azurehealthcareapis.com', AUTH_ISSUERS: '[{"issuer":"https://login.example.org/t/v2.0","audiences":["https://api.example.org/fhir"]}]', AUDIT_EVENTHUB_NAMESPACE: 'ns.servicebus.windows.net', AUDIT_EVENTHUB_NAME: 'audit' };
    expect(problems(azure)).toContain('MASKING_HASH_KEY is required in the azure profile (or KEY_VAULT_URL)');
    expect(problems({ ...azure, KEY_VAULT_URL: 'https://kv.vault.azure.net' })).not.toContain('MASKING_HASH_KEY is required in the azure profile (or KEY_VAULT_URL)');
  });
});
