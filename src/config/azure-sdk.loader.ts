/**
 * The Azure SDKs, loaded on first use: only a deployment that talks to Entra, Event Hubs or Key Vault pays
 * for them (~400 ms and ~10 MB at start-up together; issue 9 measured start-up to ready). Loaded through
 * `require` (every Azure SDK ships a CommonJS build) so the factories choosing them stay synchronous.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function azureIdentity(): typeof import('@azure/identity') {
  return require('@azure/identity') as typeof import('@azure/identity');
}

export function azureEventHubs(): typeof import('@azure/event-hubs') {
  return require('@azure/event-hubs') as typeof import('@azure/event-hubs');
}

export function azureKeyVaultSecrets(): typeof import('@azure/keyvault-secrets') {
  return require('@azure/keyvault-secrets') as typeof import('@azure/keyvault-secrets');
}
