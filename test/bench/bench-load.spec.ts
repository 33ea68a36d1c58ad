/**
 * The fixed-rate client (bench/lib/load.js `paced`), against a real HTTP server on loopback. What must never
 * happen: an answer cut off midway, or one with an error status, counted as a latency sample (a faster-looking
 * target), or an answer counted before its last byte arrived.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface PacedResult {
  requests: number;
  latencyMs: { p50: number | null; max: number | null };
  errors: number;
  non2xx: number;
}
type Paced = (origin: string, requests: Array<{ path: string; headers: Record<string, string> }>, options: { rate: number; seconds: number }) => Promise<PacedResult>;

const ROOT = resolve(import.meta.dirname, '../..');
const BODY_DELAY_MS = 60;
let paced: Paced;
let server: Server;
let origin: string;

beforeAll(async () => {
  ({ paced } = (await import(pathToFileURL(join(ROOT, 'bench/lib/load.js')).href)) as { paced: Paced });
  server = createServer((req, res) => {
    if (req.url === '/cut') {
      // Promises 1,000 bytes, sends 10, then drops the connection.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"entry":[');
      setTimeout(() => res.socket?.destroy(), 5);
    } else if (req.url === '/refused') {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{}');
    } else {
      // Headers at once, the last byte of the body later: the sample must include the wait.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"resourceType":');
      setTimeout(() => res.end('"Bundle"}'), BODY_DELAY_MS);
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('the fixed-rate client', () => {
  it('times each answer to its last byte', async () => {
    const r = await paced(origin, [{ path: '/slow-body', headers: {} }], { rate: 20, seconds: 0.5 });
    expect(r.requests).toBe(10);
    expect(r.errors + r.non2xx).toBe(0);
    expect(r.latencyMs.p50).toBeGreaterThanOrEqual(BODY_DELAY_MS - 1);
  });

  it('counts an answer cut off midway as an error, never as a sample', async () => {
    const r = await paced(origin, [{ path: '/cut', headers: {} }], { rate: 20, seconds: 0.5 });
    expect(r.errors).toBe(10);
    expect(r.latencyMs.p50).toBeNull();
  });

  it('counts an error status apart from the samples', async () => {
    const r = await paced(origin, [{ path: '/refused', headers: {} }, { path: '/slow-body', headers: {} }], { rate: 20, seconds: 0.5 });
    expect(r.non2xx).toBe(5);
    expect(r.errors).toBe(0);
    expect(r.latencyMs.p50).toBeGreaterThanOrEqual(BODY_DELAY_MS - 1);
  });
});
