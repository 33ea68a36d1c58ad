/**
 * Where the facade's secrets come from: EMR client ids and private keys, the masking hash key.
 * Azure: Key Vault. Local: the environment and files. Values are cached and fetched again after a refresh
 * interval, so a rotated secret is picked up without a restart. Secret values are never logged.
 *
 * @see https://learn.microsoft.com/azure/key-vault/secrets/about-secrets
 */

export interface SecretsProvider {
  /**
   * The current value. Fetched when not cached or older than the refresh interval; `fresh` forces a fetch
   * (after the secret was refused, e.g. a client assertion signed with a rotated-out key).
   */
  get(name: string, options?: { readonly fresh?: boolean }): Promise<string>;
  /** A handle with a synchronous value for hot paths; it refreshes in the background once stale. */
  watch(name: string): Promise<SecretHandle>;
}

export interface SecretHandle {
  current(): string;
}

/** A secret could not be read and no earlier value is cached. The message names the secret, never a value. */
export class SecretUnavailableError extends Error {
  constructor(readonly secretName: string, options?: { cause?: unknown }) {
    super(`Secret unavailable: ${secretName}`, options);
    this.name = 'SecretUnavailableError';
  }
}
