/**
 * Secrets in the local profile: values set in memory (the local stack's generated EMR keys; tests rotating
 * a key), values from the environment, files named by variable (`EPIC_PRIVATE_KEY_FILE`) or found in
 * `SECRETS_DIR` under the secret's name (as mounted secrets appear). Files are read again at every refresh,
 * so replacing one rotates the secret without a restart.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CachingSecretsProvider } from './caching-secrets.provider.js';
import { SecretUnavailableError } from './secrets-provider.js';

export interface LocalSecretsOptions {
  readonly refreshMs: number;
  readonly values?: Readonly<Record<string, string>>;
  readonly files?: Readonly<Record<string, string>>;
  readonly dir?: string;
  readonly now?: () => number;
}

const SECRET_NAME = /^[A-Za-z0-9-]{1,127}$/;

export class LocalSecretsProvider extends CachingSecretsProvider {
  private readonly memory = new Map<string, string>();

  constructor(private readonly options: LocalSecretsOptions) {
    super(options.refreshMs, options.now);
  }

  /** Sets (or rotates) a secret in memory; readers see it at their next refresh. */
  set(name: string, value: string): void {
    this.memory.set(name, value);
  }

  /** The value without the cache, or undefined (also the Key Vault provider's fallback). */
  async lookup(name: string): Promise<string | undefined> {
    if (!SECRET_NAME.test(name)) return undefined;
    const inMemory = this.memory.get(name) ?? this.options.values?.[name];
    if (inMemory !== undefined) return inMemory;
    const file = this.options.files?.[name] ?? (this.options.dir ? join(this.options.dir, name) : undefined);
    if (!file) return undefined;
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch {
      return undefined;
    }
  }

  protected async fetch(name: string): Promise<string> {
    const value = await this.lookup(name);
    if (value === undefined) throw new SecretUnavailableError(name);
    return value;
  }
}
