import { describe, expect, it } from 'vitest';
import { cursorBinding, SearchCursorCodec } from './search-cursor.js';

const state = { pages: { ahds: { page: 'MedicationRequest?patient=pat-001&_offset=20', skip: 0 }, epic: { page: 'MedicationRequest?patient=eABC&session=1', skip: 3 } }, seen: ['abc12345'] };
const binding = cursorBinding('MedicationRequest', new URLSearchParams('patient=pat-001&_count=20'));

describe('SearchCursorCodec', () => {
  it('round-trips a cursor for the same query, whatever the parameter order', async () => {
    const codec = new SearchCursorCodec(async () => 'a-secret-of-sixteen-or-more');
    const cursor = await codec.seal(state, binding);
    expect(cursor).not.toContain('eABC');
    const same = cursorBinding('MedicationRequest', new URLSearchParams('_count=20&patient=pat-001&_cursor=x'));
    await expect(codec.open(cursor, same)).resolves.toEqual(state);
  });

  it('refuses a cursor under another query (another patient), altered, forged, expired, or after the key rotated', async () => {
    let now = 1_000;
    let secret = 'a-secret-of-sixteen-or-more';
    const codec = new SearchCursorCodec(async () => secret, 60_000, () => now);
    const cursor = await codec.seal(state, binding);
    const other = cursorBinding('MedicationRequest', new URLSearchParams('patient=pat-002&_count=20'));
    await expect(codec.open(cursor, other)).rejects.toMatchObject({ status: 400 });
    await expect(codec.open(`${cursor.slice(0, -3)}AAA`, binding)).rejects.toMatchObject({ status: 400 });
    await expect(codec.open('c1.' + Buffer.from(JSON.stringify(state)).toString('base64url'), binding)).rejects.toMatchObject({ status: 400 });
    await expect(codec.open('nonsense', binding)).rejects.toMatchObject({ status: 400 });
    now += 60_001;
    await expect(codec.open(cursor, binding)).rejects.toMatchObject({ status: 400 });
    now = 1_000;
    secret = 'another-secret-of-sixteen';
    await expect(codec.open(cursor, binding)).rejects.toMatchObject({ status: 400 });
  });
});
