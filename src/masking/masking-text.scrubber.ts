/**
 * Free-text scrubbing: finds a data class's values (those carried by the response's identifiers, in any
 * digit grouping) and the class's generic patterns inside any string, and replaces each with the caller's
 * method for that class.
 *
 * @see https://hl7.org/fhir/R4/narrative.html
 */
import type { ValueTransform } from './masking-methods.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A pattern for a value wherever it hides: for a digit value, the digits in order with an optional separator
 * (space, dash, dot) between any two, and no digit right before or after (`123-45-6789`, `123456789`,
 * `123 45 6789`, `SSN#123456789`); other values literally, case-insensitive.
 */
export function valuePattern(normalizedValue: string): string {
  if (/^[0-9]+$/.test(normalizedValue)) {
    return `(?<![0-9])${normalizedValue.split('').join('[\\s.-]?')}(?![0-9])`;
  }
  return escapeRegExp(normalizedValue);
}

export class TextScrubber {
  private readonly pattern: RegExp | undefined;
  private readonly minLength: number;
  /** Occurrences replaced (or, for `keep`, found) so far. */
  hits = 0;

  /**
   * @param values normalised values carried by the response's identifiers of this class
   * @param textPatterns the class's generic patterns (policy `textPatterns`)
   * @param transform the caller's method for the class; `keep` callers pass undefined (count only)
   */
  constructor(values: Iterable<string>, textPatterns: readonly string[], private readonly transform: ValueTransform | undefined) {
    const sources: string[] = [];
    let minLength = Infinity;
    for (const value of values) {
      if (value.length < 4) continue; // too short to tell from other text; the identifier itself is still masked
      sources.push(valuePattern(value));
      minLength = Math.min(minLength, value.length);
    }
    sources.push(...textPatterns);
    this.minLength = textPatterns.length ? 1 : minLength;
    this.pattern = sources.length ? new RegExp(sources.map((s) => `(?:${s})`).join('|'), 'gi') : undefined;
  }

  /** True for `keep` callers: occurrences are counted, not replaced. */
  get isCountOnly(): boolean {
    return !this.transform;
  }

  /** The string with every occurrence replaced (unchanged for `keep`, but counted). */
  scrub(text: string): string {
    if (!this.pattern || text.length < this.minLength) return text;
    // Most strings hold nothing of the class: a test is ~3 times cheaper than a replace that finds nothing.
    this.pattern.lastIndex = 0;
    if (!this.pattern.test(text)) return text;
    if (!this.transform) {
      const found = text.match(this.pattern);
      if (found) this.hits += found.length;
      return text;
    }
    return text.replace(this.pattern, (match) => {
      this.hits++;
      return this.transform!(match);
    });
  }
}
