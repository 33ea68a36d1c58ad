/**
 * The one place choosing the secrets provider: Key Vault when KEY_VAULT_URL is set (DefaultAzureCredential),
 * the environment and files otherwise. One provider per configuration, shared by the backends and masking.
 */
import { azureIdentity, azureKeyVaultSecrets } from '../config/azure-sdk.loader.js';
import { secretNames, type AppConfig } from '../config/index.js';
import { KeyVaultSecretsProvider } from './key-vault.secrets-provider.js';
import { LocalSecretsProvider } from './local.secrets-provider.js';
import type { SecretsProvider } from './secrets-provider.js';

const providers = new WeakMap<AppConfig, SecretsProvider>();

/** The provider for this configuration (created once). */
export function secretsProviderFor(config: AppConfig): SecretsProvider {
  let provider = providers.get(config);
  if (!provider) {
    provider = createSecretsProvider(config);
    providers.set(config, provider);
  }
  return provider;
}

/** Uses `provider` for this configuration (the local stack with generated EMR keys; tests). */
export function bindSecretsProvider(config: AppConfig, provider: SecretsProvider): void {
  providers.set(config, provider);
}

/** The environment-backed provider for a configuration: its values plus the masking hash key. */
export function localSecretsProvider(config: AppConfig): LocalSecretsProvider {
  const { secrets } = config;
  const values = { ...secrets.values, ...(config.maskingHashKey ? { [secretNames.maskingHashKey]: config.maskingHashKey } : {}) };
  return new LocalSecretsProvider({ refreshMs: secrets.refreshMs, values, files: secrets.files, dir: secrets.dir });
}

function createSecretsProvider(config: AppConfig): SecretsProvider {
  const local = localSecretsProvider(config);
  if (!config.keyVaultUrl) return local;
  const { SecretClient } = azureKeyVaultSecrets();
  const client = new SecretClient(config.keyVaultUrl, new (azureIdentity().DefaultAzureCredential)());
  return new KeyVaultSecretsProvider(client, { refreshMs: config.secrets.refreshMs, fallback: (name) => local.lookup(name) });
}
