import { describe, expect, it } from 'vitest';
import { scrubEncodedText } from './masking-attachment.js';

const scrub = (t: string) => t.replace(/\d{3}-\d{2}-\d{4}/g, '***-**-****');
const b64 = (t: string) => Buffer.from(t).toString('base64');

describe('text hidden in base64 attachments', () => {
  it('a text/plain attachment is decoded, scrubbed and re-encoded, with size and hash recomputed', () => {
    const node: Record<string, unknown> = { contentType: 'text/plain; charset=utf-8', data: b64('SSN 123-45-6789 on file'), size: 23, hash: 'stale' };
    scrubEncodedText(node, scrub);
    expect(Buffer.from(node.data as string, 'base64').toString()).toBe('SSN ***-**-**** on file');
    expect(node.size).toBe(23);
    expect(node.hash).not.toBe('stale');
  });

  it('a binary attachment is left alone', () => {
    const node: Record<string, unknown> = { contentType: 'application/pdf', data: b64('123-45-6789') };
    scrubEncodedText(node, scrub);
    expect(Buffer.from(node.data as string, 'base64').toString()).toBe('123-45-6789');
  });

  it('an attachment without an SSN is not touched', () => {
    const node: Record<string, unknown> = { contentType: 'text/plain', data: b64('nothing here'), hash: 'h' };
    scrubEncodedText(node, scrub);
    expect(node.hash).toBe('h');
  });
});
