/**
 * Canonical JSON and the SHA-256 hash chain of the audit store (HIPAA §164.312(c)(1), integrity).
 * Each stored event keeps the hash of the one before it: hash = sha256(prev_hash + canonical json), so an
 * edited, deleted or reordered event breaks the chain from that point on.
 *
 * @see https://www.hhs.gov/hipaa/for-professionals/security/laws-regulations/index.html
 */
import { createHash } from 'node:crypto';

/** The chain's first `prev_hash`. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted (recursively) and no insignificant whitespace: one text per value. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** sha256(prevHash + body), hex. `body` is the stored canonical JSON text, hashed exactly as stored. */
export function chainHash(prevHash: string, body: string): string {
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}
