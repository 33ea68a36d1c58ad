import { describe, expect, it } from 'vitest';
import { MemoryLaunchContextStore, storeKey } from './launch-context.store.js';

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

  it('keys hold a hash of the secret, never the secret', () => {
    const key = storeKey('launch', 'secret-launch-value');
    expect(key).not.toContain('secret-launch-value');
    expect(key).toMatch(/^fhir-facade:launch:[A-Za-z0-9_-]{43}$/);
  });
});
