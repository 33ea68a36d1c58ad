export { CachingSecretsProvider } from './caching-secrets.provider.js';
export { KeyVaultSecretsProvider, type KeyVaultSecretsOptions } from './key-vault.secrets-provider.js';
export { LocalSecretsProvider, type LocalSecretsOptions } from './local.secrets-provider.js';
export { bindSecretsProvider, localSecretsProvider, secretsProviderFor } from './secrets.factory.js';
export { SecretUnavailableError, type SecretHandle, type SecretsProvider } from './secrets-provider.js';
