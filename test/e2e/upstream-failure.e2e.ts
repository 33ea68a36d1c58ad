/**
 * When the upstream FHIR server is down or hangs, the facade answers 502/504 with an OperationOutcome
 * within its deadline instead of hanging or crashing.
 */
import { createServer, type Server } from 'node:http';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
