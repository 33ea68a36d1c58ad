/**
 * When the upstream FHIR server is down, hangs or answers more than the facade takes in, the facade answers
 * 502/504 with an OperationOutcome within its deadline instead of hanging, crashing or buffering without bound.
 */
import { createServer, type Server } from 'node:http';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogForPatient } from '../../src/audit/index.js';
import { freePort } from '../support/free-port.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SCOPE = 'openid fhirUser launch/patient patient/*.rs';

describe('an unreachable upstream', () => {
  let stack: TestStack;
  beforeAll(async () => {
    const closedPort = await freePort(); // nothing listens here
    stack = await startTestStack({ upstreamBaseUrl: `http://127.0.0.1:${closedPort}/fhir`, env: { UPSTREAM_TIMEOUT_MS: '2000' } });
  });
  afterAll(() => stack?.close());

  it('gives 502 with an OperationOutcome', async () => {
    const token = await stack.token('Patient/pat-001', SCOPE);
    const res = await stack.fetch('Patient/pat-001', { token });
    expect(res.status).toBe(502);
    const outcome = (await res.json()) as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(outcome)).not.toContain(String(stack.upstreamBaseUrl));
  });

  it('reports not ready', async () => {
    expect((await stack.fetch('/health/ready')).status).toBe(503);
  });
});

describe('an upstream that never answers', () => {
  let stack: TestStack;
  let hanging: Server;
  beforeAll(async () => {
    hanging = createServer(() => {
      /* accept the request, never answer */
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const port = (hanging.address() as { port: number }).port;
    stack = await startTestStack({ upstreamBaseUrl: `http://127.0.0.1:${port}/fhir`, env: { UPSTREAM_TIMEOUT_MS: '500' } });
  });
  afterAll(async () => {
    await stack?.close();
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
  });

  it('gives 504 with an OperationOutcome once the deadline passes', async () => {
    const token = await stack.token('Patient/pat-001', SCOPE);
    const res = await stack.fetch('Patient/pat-001', { token, signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(504);
    expect(((await res.json()) as OperationOutcome).issue?.[0]?.code).toBe('timeout');
  });
});

describe('an upstream answer longer than UPSTREAM_MAX_RESPONSE_BYTES', () => {
  const LIMIT = 65_536;
  let stack: TestStack;
  let upstream: Server;
  let hits = 0;
  beforeAll(async () => {
    // A Patient of 1 MiB (its narrative carries an SSN-like value), answered without a length, in chunks.
    const big = JSON.stringify({
      resourceType: 'Patient',
      id: 'pat-001',
      text: { status: 'generated', div: `<div>SSN 123-45-6789 ${'x'.repeat(1_048_576)}</div>` },
    });
    upstream = createServer((req, res) => {
      if (!req.url?.startsWith('/fhir/Patient/pat-001')) return void res.writeHead(404).end();
      hits += 1;
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      for (let at = 0; at < big.length; at += 16_384) res.write(big.slice(at, at + 16_384));
      res.end();
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as { port: number }).port;
    stack = await startTestStack({ upstreamBaseUrl: `http://127.0.0.1:${port}/fhir`, env: { UPSTREAM_MAX_RESPONSE_BYTES: String(LIMIT) } });
  });
  afterAll(async () => {
    await stack?.close();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('is refused with 502 too-costly, nothing of it passed on, not retried, and the refusal is audited', async () => {
    const token = await stack.token('Patient/pat-001', SCOPE);
    const res = await stack.fetch('Patient/pat-001', { token, headers: { 'x-request-id': 'too-large-1' } });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const text = await res.text();
    expect(text).not.toContain('123-45-6789');
    expect(text).not.toContain('xxxx');
    const outcome = JSON.parse(text) as OperationOutcome;
    expect(outcome.issue?.[0]).toMatchObject({ severity: 'error', code: 'too-costly' });
    expect(hits).toBe(1);
    const entry = accessLogForPatient(stack.config.audit.storePath, 'pat-001').find((e) => e.requestId === 'too-large-1');
    expect(entry).toMatchObject({ statusCode: 502, interaction: 'read' });
    expect(entry?.outcome).not.toBe('0');
  });

  it('a refusal is about the request, not the upstream: the circuit stays closed after many', async () => {
    const token = await stack.token('Patient/pat-001', SCOPE);
    const breakerFailures = stack.config.backends.resilience.breakerFailures;
    for (let i = 0; i <= breakerFailures; i += 1) {
      const res = await stack.fetch('Patient/pat-001', { token });
      expect(res.status).toBe(502);
      await res.arrayBuffer();
    }
    const after = await stack.fetch('Patient/pat-001', { token });
    expect(((await after.json()) as OperationOutcome).issue?.[0]?.code).toBe('too-costly'); // not 503 from an open circuit
  });
});
