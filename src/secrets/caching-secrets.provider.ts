/**
 * The cache every SecretsProvider shares: a value is served for `refreshMs`, then fetched again (one fetch
 * at a time per secret). When a refresh fails, the last value keeps being served (a Key Vault outage must not
 * take the facade down with it); when nothing was ever fetched, the error surfaces.
 */
import { SecretUnavailableError, type SecretHandle, type SecretsProvider } from './secrets-provider.js';

interface Entry {
  value?: string;
  fetchedAt: number;
  inflight?: Promise<string>;
}

export abstract class CachingSecretsProvider implements SecretsProvider {
  private readonly cache = new Map<string, Entry>();

  protected constructor(
    private readonly refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the secret from its source, uncached. */
  protected abstract fetch(name: string): Promise<string>;

  async get(name: string, options: { readonly fresh?: boolean } = {}): Promise<string> {
    const entry = this.cache.get(name);
    if (entry?.value !== undefined && !options.fresh && !this.isStale(entry)) return entry.value;
    return this.refresh(name);
  }

  async watch(name: string): Promise<SecretHandle> {
    await this.get(name);
    return {
      current: () => {
        const entry = this.cache.get(name)!;
        if (this.isStale(entry) && !entry.inflight) this.refresh(name).catch(() => undefined); // served stale meanwhile
        return entry.value!;
      },
    };
  }

  /** Forgets every cached value (tests, or an operator-triggered reload). */
  clear(): void {
    this.cache.clear();
  }

  private isStale(entry: Entry): boolean {
    return this.now() - entry.fetchedAt >= this.refreshMs;
  }

  private refresh(name: string): Promise<string> {
    let entry = this.cache.get(name);
    if (!entry) {
      entry = { fetchedAt: 0 };
      this.cache.set(name, entry);
    }
    if (entry.inflight) return entry.inflight;
    const current = entry;
    current.inflight = this.fetch(name)
      .then((value) => {
        current.value = value;
        current.fetchedAt = this.now();
        return value;
      })
      .catch((err: unknown) => {
        if (current.value !== undefined) return current.value;
        throw err instanceof SecretUnavailableError ? err : new SecretUnavailableError(name, { cause: err });
      })
      .finally(() => {
        current.inflight = undefined;
      });
    return current.inflight;
  }
}
