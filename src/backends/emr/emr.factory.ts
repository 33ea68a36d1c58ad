/**
 * Builds one EMR adapter from configuration: its vendor quirks, a SMART Backend Services credential reading
 * the client id and private key from the SecretsProvider, and the resilience policies every backend gets.
 */
import { ConfigError, secretNames, type EmrConfig, type EmrName, type ResilienceConfig } from '../../config/index.js';
import type { SecretsProvider } from '../../secrets/index.js';
import { ResilientBackend } from '../resilience/resilient.backend.js';
import { CERNER_QUIRKS } from './cerner.adapter.js';
import { EmrAdapter, type EmrQuirks } from './emr-adapter.js';
import { EmrBackend } from './emr.backend.js';
import { EPIC_QUIRKS } from './epic.adapter.js';
import { SmartBackendCredential } from './smart-backend.credential.js';

const QUIRKS: Readonly<Record<EmrName, EmrQuirks>> = { epic: EPIC_QUIRKS, cerner: CERNER_QUIRKS };

export function createEmrAdapter(config: EmrConfig, secrets: SecretsProvider, resilience: ResilienceConfig): EmrAdapter {
  const quirks = QUIRKS[config.name];
  const problem = quirks.checkBaseUrl(config.fhirBaseUrl);
  if (problem) throw new ConfigError([`${config.name.toUpperCase()}_FHIR_BASE_URL: ${problem}`]);
  const credential = new SmartBackendCredential({
    tokenUrl: config.tokenUrl,
    scope: config.scope,
    secrets,
    clientIdSecret: secretNames.clientId(config.name),
    privateKeySecret: secretNames.privateKey(config.name),
    timeoutMs: resilience.attemptTimeoutMs,
  });
  const backend = new EmrBackend(config.name, config.fhirBaseUrl, credential, config.scope, {
    timeoutMs: resilience.attemptTimeoutMs,
    maxResponseBytes: resilience.maxResponseBytes,
  });
  return new EmrAdapter(config, new ResilientBackend(backend, resilience), quirks);
}
