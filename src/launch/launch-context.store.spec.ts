import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashedStoreKey, MemoryLaunchContextStore, storeKey } from './launch-context.store.js';

describe('MemoryLaunchContextStore', () => {
  it('gives a value back once', async () => {
    const s = new MemoryLaunchContextStore();
    await s.put('k', { patient: 'pat-001' }, 1_000);
    expect(await s.take('k')).toEqual({ patient: 'pat-001' });
    expect(await s.take('k')).toBeUndefined();
  });

  it('forgets a value after its lifetime', async () => {
    const s = new MemoryLaunchContextStore();
    await s.put('k', { patient: 'pat-001' }, 20);
    await new Promise((r) => setTimeout(r, 40));
    expect(await s.take('k')).toBeUndefined();
  });

  it('get reads a value without using it up', async () => {
    const s = new MemoryLaunchContextStore();
    await s.put('k', { patient: 'pat-001' }, 1_000);
    expect(await s.get('k')).toEqual({ patient: 'pat-001' });
    expect(await s.get('k')).toEqual({ patient: 'pat-001' });
    expect(await s.take('k')).toEqual({ patient: 'pat-001' });
    expect(await s.get('k')).toBeUndefined();
  });

  it('get gives nothing after the lifetime', async () => {
    const s = new MemoryLaunchContextStore();
    await s.put('k', { patient: 'pat-001' }, 20);
    await new Promise((r) => setTimeout(r, 40));
    expect(await s.get('k')).toBeUndefined();
  });

  it('get of an absent key is undefined', async () => {
    expect(await new MemoryLaunchContextStore().get('nothing')).toBeUndefined();
  });

  it('keys hold a hash of the secret, never the secret', () => {
    const key = storeKey('launch', 'secret-launch-value');
    expect(key).not.toContain('secret-launch-value');
    expect(key).toMatch(/^fhir-facade:launch:[A-Za-z0-9_-]{43}$/);
    expect(storeKey('token', 'an-access-token')).not.toContain('an-access-token');
  });

  it('a key made from the hash is the key made from the secret', () => {
    const sha256 = createHash('sha256').update('an-access-token').digest('base64url');
    expect(hashedStoreKey('token', sha256)).toBe(storeKey('token', 'an-access-token'));
    expect(storeKey('refresh', 'an-access-token')).not.toBe(storeKey('token', 'an-access-token'));
  });
});
