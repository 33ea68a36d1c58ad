/**
 * Text hidden in base64: an Attachment (or a Binary) whose content type is textual carries its text in
 * `data`, where no string scrubber can see it. It is decoded, scrubbed like any other string, and encoded
 * again; `size` and `hash` (SHA-1 of the data, as FHIR defines it) are recomputed when the text changed.
 * Non-textual content (PDF, images) is not inspected: see docs/security.md.
 *
 * @see https://hl7.org/fhir/R4/datatypes.html#Attachment
 */
import { createHash } from 'node:crypto';

const TEXTUAL = /^(text\/|application\/(json|fhir\+json|xml|fhir\+xml|xhtml\+xml)\b)/i;

/** Scrubs, in place, the decoded text of a textual `data` element. */
export function scrubEncodedText(node: Record<string, unknown>, scrub: (text: string) => string): void {
  const data = node.data;
  const contentType = node.contentType;
  if (typeof data !== 'string' || typeof contentType !== 'string' || !TEXTUAL.test(contentType)) return;
  const bytes = Buffer.from(data, 'base64');
  const text = bytes.toString('utf8');
  const scrubbed = scrub(text);
  if (scrubbed === text) return;
  const encoded = Buffer.from(scrubbed, 'utf8');
  node.data = encoded.toString('base64');
  if ('size' in node) node.size = encoded.length;
  if ('hash' in node) node.hash = createHash('sha1').update(encoded).digest('base64');
}
