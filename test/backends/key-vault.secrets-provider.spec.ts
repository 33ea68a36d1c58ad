/**
 * The Key Vault secrets provider with the real `@azure/keyvault-secrets` client, its HTTPS traffic answered by a
 * local stand-in on loopback: the SDK's challenge-based authentication, caching, rotation picked up without a
 * restart, stale values served through an outage, the environment as fallback for a missing secret.
 * TLS is real: the client trusts exactly the stand-in's self-signed certificate (an https.Agent set by a
 * pipeline policy), never `NODE_TLS_REJECT_UNAUTHORIZED`.
 */
import { Agent } from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyVaultSecretsProvider, SecretUnavailableError } from '../../src/secrets/index.js';
import { startKeyVaultStandIn, STAND_IN_TOKEN, type KeyVaultStandIn } from './support/key-vault-stand-in.js';

class StandInCredential implements TokenCredential {
  readonly scopes: string[] = [];
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return { token: STAND_IN_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

let vault: KeyVaultStandIn;
let agent: Agent;
beforeAll(async () => {
  vault = await startKeyVaultStandIn();
  agent = new Agent({ ca: vault.certPem, keepAlive: false });
});
afterAll(async () => {
  agent?.destroy();
  await vault?.close();
});

function provider(options: { refreshMs: number; now?: () => number; fallback?: (name: string) => Promise<string | undefined> }) {
  const credential = new StandInCredential();
  const client = new SecretClient(vault.url, credential, {
    disableChallengeResourceVerification: true, // the stand-in's host is not *.vault.azure.net
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ position: 'perCall', policy: { name: 'trust-stand-in-certificate', sendRequest: (req, next) => ((req.agent = agent), next(req)) } }],
  });
  return { credential, secrets: new KeyVaultSecretsProvider(client, options) };
}

describe('KeyVaultSecretsProvider with the real SDK client', () => {
  it('reads a secret after the SDK answers the bearer challenge with the credential', async () => {
    vault.set('epic-client-id', 'facade-client-at-epic');
    const before = vault.requests.length;
    const { credential, secrets } = provider({ refreshMs: 60_000 });
    expect(await secrets.get('epic-client-id')).toBe('facade-client-at-epic');
    const seen = vault.requests.slice(before);
    expect(seen[0]).toEqual({ path: '/secrets/epic-client-id/', authorized: false }); // the challenge
    expect(seen.at(-1)).toEqual({ path: '/secrets/epic-client-id/', authorized: true });
    expect(credential.scopes).toContain('https://vault.azure.net/.default');
  });

  it('serves a cached value until the refresh interval, then reads the rotated version', async () => {
    let now = 1_000_000;
    vault.set('masking-hash-key', 'first-version-of-the-key');
    const { secrets } = provider({ refreshMs: 60_000, now: () => now });
    expect(await secrets.get('masking-hash-key')).toBe('first-version-of-the-key');
    vault.set('masking-hash-key', 'second-version-of-the-key'); // rotated in Key Vault
    const before = vault.requests.length;
    expect(await secrets.get('masking-hash-key')).toBe('first-version-of-the-key');
    expect(vault.requests.length).toBe(before);
    now += 60_000;
    expect(await secrets.get('masking-hash-key')).toBe('second-version-of-the-key');
  });

  it('a fresh read after a refusal gets the rotated value at once', async () => {
    vault.set('epic-private-key', '{"kid":"old"}');
    const { secrets } = provider({ refreshMs: 3_600_000 });
    expect(await secrets.get('epic-private-key')).toBe('{"kid":"old"}');
    vault.set('epic-private-key', '{"kid":"new"}');
    expect(await secrets.get('epic-private-key', { fresh: true })).toBe('{"kid":"new"}');
  });

  it('a watched secret refreshes in the background: a rotated masking key is used without a restart', async () => {
    let now = 2_000_000;
    vault.set('masking-hash-key', 'watched-key-version-1');
    const { secrets } = provider({ refreshMs: 1000, now: () => now });
    const handle = await secrets.watch('masking-hash-key');
    expect(handle.current()).toBe('watched-key-version-1');
    vault.set('masking-hash-key', 'watched-key-version-2');
    now += 1000;
    expect(handle.current()).toBe('watched-key-version-1'); // stale value while the refresh runs
    await expect.poll(() => handle.current()).toBe('watched-key-version-2');
  });

  it('through a Key Vault outage the last value is served; a secret never read is unavailable', async () => {
    let now = 3_000_000;
    vault.set('cerner-client-id', 'facade-client-at-cerner');
    const { secrets } = provider({ refreshMs: 1000, now: () => now });
    expect(await secrets.get('cerner-client-id')).toBe('facade-client-at-cerner');
    vault.down = true;
    try {
      now += 5000;
      expect(await secrets.get('cerner-client-id')).toBe('facade-client-at-cerner');
      await expect(secrets.get('cerner-private-key')).rejects.toBeInstanceOf(SecretUnavailableError);
    } finally {
      vault.down = false;
    }
  });

  it('a secret missing from Key Vault falls back to the environment, and is unavailable without one', async () => {
    const { secrets } = provider({ refreshMs: 60_000, fallback: async (name) => (name === 'from-env' ? 'environment-value' : undefined) });
    expect(await secrets.get('from-env')).toBe('environment-value');
    const error = await secrets.get('nowhere').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(String(error)).toBe('SecretUnavailableError: Secret unavailable: nowhere');
  });
});
