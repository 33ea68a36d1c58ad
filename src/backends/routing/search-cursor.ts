/**
 * The facade-side paging cursor of a merged search. Each backend pages on its own (offsets, continuation
 * tokens, EMR sessions); the cursor carries, per backend, where its next page is (relative to that backend's
 * base), sealed with AES-256-GCM: the client learns nothing of the backends (no EMR URL or EMR patient id),
 * cannot forge or alter it, and cannot replay it under another query (the narrowed query, and so the patient,
 * is the associated data). It expires after a while; the search is then run again.
 *
 * @see https://hl7.org/fhir/R4/http.html#paging
 * @see https://www.rfc-editor.org/rfc/rfc5869 (HKDF, the cursor key derived from a facade secret)
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { badRequest } from '../../fhir/outcomes.js';

/** Where one backend's results continue: a page (relative to its base) and how many of its matches were shown. */
export interface CursorPage {
  readonly page: string;
  readonly skip: number;
}

export interface CursorState {
  /** Backend name -> where it continues (`{ page: 'MedicationRequest?patient=x&_offset=20', skip: 0 }`). */
  readonly pages: Readonly<Record<string, CursorPage>>;
  /** Short hashes of the business identifiers already shown (bounded), for de-duplication across pages. */
  readonly seen?: readonly string[];
}

const VERSION = 'c1';
const INFO = 'fhir-facade/search-cursor/v1';

export class SearchCursorCodec {
  constructor(
    /** The secret the cursor key is derived from (read at each use: a rotated secret takes effect). */
    private readonly secret: () => Promise<string>,
    private readonly ttlMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seals `state` for the query it belongs to (`binding`: type and canonical narrowed query). */
  async seal(state: CursorState, binding: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.key(), iv);
    cipher.setAAD(Buffer.from(binding));
    const plain = Buffer.from(JSON.stringify({ exp: this.now() + this.ttlMs, pages: state.pages, seen: state.seen ?? [] }));
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${sealed.toString('base64url')}`;
  }

  /** Opens a cursor for `binding`; a forged, altered, expired or replayed cursor is a 400. */
  async open(cursor: string, binding: string): Promise<CursorState> {
    const invalid = () => badRequest('Invalid or expired paging cursor: run the search again');
    const [version, data] = cursor.split('.');
    if (version !== VERSION || !data) throw invalid();
    const sealed = Buffer.from(data, 'base64url');
    if (sealed.length < 12 + 16 + 1) throw invalid();
    try {
      const decipher = createDecipheriv('aes-256-gcm', await this.key(), sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(binding));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      const plain = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
      const parsed = JSON.parse(plain.toString('utf8')) as { exp?: number; pages?: Record<string, CursorPage>; seen?: string[] };
      if (typeof parsed.exp !== 'number' || parsed.exp < this.now() || !parsed.pages) throw invalid();
      return { pages: parsed.pages, seen: parsed.seen ?? [] };
    } catch {
      throw invalid();
    }
  }

  private async key(): Promise<Buffer> {
    return Buffer.from(hkdfSync('sha256', await this.secret(), Buffer.alloc(0), INFO, 32));
  }
}

/** Type plus the query's parameters in a canonical order: what a cursor is bound to. */
export function cursorBinding(resourceType: string, params: URLSearchParams): string {
  const pairs = [...params].filter(([k]) => k !== '_cursor').sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  return `${resourceType}?${new URLSearchParams(pairs).toString()}`;
}
