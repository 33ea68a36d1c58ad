/**
 * The value transforms behind the masking methods, shared by element rules and free-text scrubbing.
 *
 * @see https://github.com/microsoft/Tools-for-Health-Data-Anonymization/blob/master/docs/FHIR-anonymization.md#anonymization-methods
 */
import { createHmac } from 'node:crypto';
import type { MaskingMethod } from './masking-policy.types.js';

/** Supplies the HMAC key for `hash`; called per response so a rotated secret is picked up. */
export type HashKeyProvider = () => Buffer;

/** Matches a value that was masked by `mask-last4` (`***-**-1234`), last 4 digits captured. */
export const MASK_LAST4_PATTERN = /\*{3}-\*{2}-([0-9]{4}|\*{4})/;

/** Digits and separators only (an SSN in any usual format) -> digits; anything else unchanged. */
export function normalizeValue(value: string): string {
  return /^[0-9][0-9\s.-]*$/.test(value) ? value.replace(/[^0-9]/g, '') : value;
}

/** `***-**-` followed by the value's last 4 digits (all stars when it has fewer than 4). */
export function maskLast4(value: string): string {
  const digits = value.replace(/[^0-9]/g, '');
  return `***-**-${digits.length >= 4 ? digits.slice(-4) : '****'}`;
}

/** HMAC-SHA256 of the normalised value, lowercase hex. */
export function hmacHex(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(normalizeValue(value), 'utf8').digest('hex');
}

/** What a string-valued element or free-text match becomes under a method (`keep`: itself). */
export interface ValueTransform {
  (value: string): string;
}

export function valueTransform(
  method: MaskingMethod,
  options: { hashKey: HashKeyProvider; redactionToken: string; substitute?: unknown },
): ValueTransform {
  switch (method) {
    case 'mask-last4':
      return maskLast4;
    case 'hash': {
      let key: Buffer | undefined;
      return (value) => hmacHex((key ??= options.hashKey()), value);
    }
    case 'substitute': {
      const replacement = typeof options.substitute === 'string' ? options.substitute : options.redactionToken;
      return () => replacement;
    }
    case 'redact':
      return () => options.redactionToken;
    case 'keep':
      return (value) => value;
  }
}
