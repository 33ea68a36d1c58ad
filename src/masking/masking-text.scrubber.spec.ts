import { describe, expect, it } from 'vitest';
import { maskLast4 } from './masking-methods.js';
import { TextScrubber } from './masking-text.scrubber.js';

// The default policy's generic SSN patterns (masking-policy.v1.json).
const PATTERNS = ['(?<![0-9])[0-9]{3}-[0-9]{2}-[0-9]{4}(?![0-9])', '(?<![0-9])[0-9]{3} [0-9]{2} [0-9]{4}(?![0-9])'];

describe('TextScrubber', () => {
  it('masks every occurrence in strings scrubbed one after another: the shared global pattern never skips one', () => {
    const scrubber = new TextScrubber(['123456789'], PATTERNS, maskLast4);
    const texts = ['SSN 123-45-6789', 'again 123456789', 'other 987-65-4321 and 123 45 6789', 'SSN#123.45.6789 twice 123-45-6789'];
    const scrubbed = texts.map((text) => scrubber.scrub(text));
    for (const text of scrubbed) expect(text).not.toMatch(/[0-9]{3}[\s.-]?[0-9]{2}[\s.-]?[0-9]{4}/);
    expect(scrubbed[0]).toBe('SSN ***-**-6789');
    expect(scrubber.hits).toBe(6);
  });

  it('returns a string without an occurrence unchanged (the same string), and counts nothing', () => {
    const scrubber = new TextScrubber(['123456789'], PATTERNS, maskLast4);
    const text = 'Heart rate 72 /min on 2026-01-02, ZIP 02101-1234';
    expect(scrubber.scrub(text)).toBe(text);
    expect(scrubber.hits).toBe(0);
  });

  it('a keep caller (no transform) gets the text back unchanged, and every occurrence is counted', () => {
    const scrubber = new TextScrubber(['123456789'], PATTERNS, undefined);
    expect(scrubber.isCountOnly).toBe(true);
    expect(scrubber.scrub('123-45-6789')).toBe('123-45-6789');
    expect(scrubber.scrub('x 123456789 y 555-12-3456')).toBe('x 123456789 y 555-12-3456');
    expect(scrubber.hits).toBe(3);
  });
});
