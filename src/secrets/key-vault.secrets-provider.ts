/**
 * Secrets from Azure Key Vault through `@azure/keyvault-secrets` (the latest version of each secret), with
 * `DefaultAzureCredential` (managed identity) in Azure. Rotating a secret in Key Vault (a new version) is
 * picked up at the next refresh, or at once when a caller asks for a fresh value after a refusal.
 *
 * @see https://learn.microsoft.com/javascript/api/overview/azure/keyvault-secrets-readme
 * @see https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation
 */
import type { SecretClient } from '@azure/keyvault-secrets';
import { CachingSecretsProvider } from './caching-secrets.provider.js';
import { SecretUnavailableError } from './secrets-provider.js';

export interface KeyVaultSecretsOptions {
  readonly refreshMs: number;
  /** Used when Key Vault has no such secret (404), e.g. a value still given by the environment. */
  readonly fallback?: (name: string) => Promise<string | undefined>;
  readonly now?: () => number;
}

export class KeyVaultSecretsProvider extends CachingSecretsProvider {
  constructor(
    private readonly client: SecretClient,
    private readonly options: KeyVaultSecretsOptions,
  ) {
    super(options.refreshMs, options.now);
  }

  protected async fetch(name: string): Promise<string> {
    try {
      const secret = await this.client.getSecret(name);
      if (secret.properties.enabled === false || secret.value === undefined) throw new SecretUnavailableError(name);
      return secret.value;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404 && this.options.fallback) {
        const value = await this.options.fallback(name);
        if (value !== undefined) return value;
      }
      throw err instanceof SecretUnavailableError ? err : new SecretUnavailableError(name, { cause: err });
    }
  }
}
