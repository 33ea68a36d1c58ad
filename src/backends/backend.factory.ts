/**
 * The one place that chooses the FHIR backend from configuration.
 * azure: AHDS with DefaultAzureCredential (managed identity), scope `<FHIR_BASE_URL>/.default`.
 * local: the given upstream (the sandbox or FHIR_BASE_URL) with a local credential.
 * Every backend gets the resilience policies (resilient.backend.ts). With EMRs configured, the facade talks
 * to a RoutingBackend in front of the primary and the EMRs (routing.backend.ts).
 */
import { azureIdentity } from '../config/azure-sdk.loader.js';
import type { AppConfig } from '../config/index.js';
import { secretsProviderFor, type SecretsProvider } from '../secrets/index.js';
import type { FhirBackend } from './fhir-backend.js';
import { FhirHttpBackend } from './fhir-http.backend.js';
import { LocalSandboxCredential } from './local-token.credential.js';
import { ResilientBackend } from './resilience/resilient.backend.js';
import { createRoutingBackend } from './routing/routing.factory.js';

export interface BackendOptions {
  /** Secrets for the EMR credentials and paging cursors; the configuration's provider by default. */
  readonly secrets?: SecretsProvider;
}

export function createFhirBackend(config: AppConfig, upstreamBaseUrl: string, options: BackendOptions = {}): FhirBackend {
  const limits = { timeoutMs: config.upstreamTimeoutMs, maxResponseBytes: config.backends.resilience.maxResponseBytes };
  const upstream =
    config.profile === 'azure'
      ? new FhirHttpBackend('ahds', upstreamBaseUrl, new (azureIdentity().DefaultAzureCredential)(), `${upstreamBaseUrl}/.default`, limits)
      : new FhirHttpBackend('fhir', upstreamBaseUrl, new LocalSandboxCredential(), 'local', limits);
  const primary = new ResilientBackend(upstream, config.backends.resilience);
  if (!config.backends.emrs.length) return primary;
  return createRoutingBackend(config, primary, options.secrets ?? secretsProviderFor(config));
}
