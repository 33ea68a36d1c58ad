/**
 * Retries are for idempotent reads only: against a real local upstream that answers every request with 500
 * and counts what it receives, a GET is tried three times (one call, two retries) while a create, a POST
 * search and a batch (all POSTs) reach it exactly once.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

describe('retries against an upstream answering 500', () => {
  let upstream: Server;
  let stack: TestStack;
  let token: string;
  const hits: { method: string; path: string }[] = [];
  const count = (method: string, path: string) => hits.filter((h) => h.method === method && h.path.replace(/\/$/, '') === path).length;

  beforeAll(async () => {
    upstream = createServer((req: IncomingMessage, res) => {
      hits.push({ method: req.method ?? '', path: new URL(req.url ?? '/', 'http://x').pathname });
      req.resume();
      res.writeHead(500, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    stack = await startTestStack({
      upstreamBaseUrl: `http://127.0.0.1:${port}/fhir`,
      env: { UPSTREAM_RETRIES: '2', UPSTREAM_RETRY_BASE_DELAY_MS: '10', BREAKER_FAILURES: '1000' },
    });
    token = await stack.systemToken('system/*.cruds');
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  const send = (path: string, init: RequestInit) => stack.fetch(path, { ...init, token, signal: AbortSignal.timeout(10_000) });
  const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/fhir+json' } });

  it('a read is retried', async () => {
    const res = await send('Observation/obs-1', { method: 'GET' });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(count('GET', '/fhir/Observation/obs-1')).toBe(3);
  });

  it('a create is sent once', async () => {
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'heart rate' }, subject: { reference: 'Patient/pat-001' } };
    const res = await send('Observation', json(observation));
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(count('POST', '/fhir/Observation')).toBe(1);
  });

  it('a POST search is sent once', async () => {
    const res = await send('Observation/_search', { method: 'POST', body: 'code=8867-4', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(count('POST', '/fhir/Observation/_search')).toBe(1);
  });

  it('a batch is sent once', async () => {
    const batch = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Observation?code=8867-4' } }] };
    const res = await send('/fhir', json(batch));
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(count('POST', '/fhir')).toBe(1);
  });
});
