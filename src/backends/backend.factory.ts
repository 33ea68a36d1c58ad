/**
 * The one place that chooses the FHIR backend from configuration.
 * azure: AHDS with DefaultAzureCredential (managed identity), scope `<FHIR_BASE_URL>/.default`.
 * local: the given upstream (the sandbox or FHIR_BASE_URL) with a local credential.
 */
import { DefaultAzureCredential } from '@azure/identity';
import type { AppConfig } from '../config/index.js';
import type { FhirBackend } from './fhir-backend.js';
import { FhirKitBackend } from './fhir-kit.backend.js';
import { LocalSandboxCredential } from './local-token.credential.js';

export function createFhirBackend(config: AppConfig, upstreamBaseUrl: string): FhirBackend {
  if (config.profile === 'azure') {
    return new FhirKitBackend('ahds', upstreamBaseUrl, new DefaultAzureCredential(), `${upstreamBaseUrl}/.default`, config.upstreamTimeoutMs);
  }
  return new FhirKitBackend('fhir', upstreamBaseUrl, new LocalSandboxCredential(), 'local', config.upstreamTimeoutMs);
}
