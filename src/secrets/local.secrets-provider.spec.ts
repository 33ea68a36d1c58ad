import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSecretsProvider } from './local.secrets-provider.js';
import { SecretUnavailableError } from './secrets-provider.js';

describe('LocalSecretsProvider', () => {
  it('reads values, named files and SECRETS_DIR files, in that order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    writeFileSync(join(dir, 'epic-private-key'), '{"kid":"from-dir"}\n');
    writeFileSync(join(dir, 'named.jwk'), '{"kid":"from-named-file"}');
    const secrets = new LocalSecretsProvider({ refreshMs: 0, values: { 'epic-client-id': 'c1' }, files: { 'cerner-private-key': join(dir, 'named.jwk') }, dir });
    expect(await secrets.get('epic-client-id')).toBe('c1');
    expect(await secrets.get('epic-private-key')).toBe('{"kid":"from-dir"}');
    expect(await secrets.get('cerner-private-key')).toBe('{"kid":"from-named-file"}');
    await expect(secrets.get('../etc/passwd')).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(secrets.get('missing')).rejects.toBeInstanceOf(SecretUnavailableError);
  });

  it('a replaced file is a rotated secret, read at the next refresh', async () => {
    let now = 0;
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    writeFileSync(join(dir, 'masking-hash-key'), 'first-key-0123456789');
    const secrets = new LocalSecretsProvider({ refreshMs: 1000, dir, now: () => now });
    expect(await secrets.get('masking-hash-key')).toBe('first-key-0123456789');
    writeFileSync(join(dir, 'masking-hash-key'), 'second-key-0123456789');
    expect(await secrets.get('masking-hash-key')).toBe('first-key-0123456789');
    now = 1000;
    expect(await secrets.get('masking-hash-key')).toBe('second-key-0123456789');
  });
});
