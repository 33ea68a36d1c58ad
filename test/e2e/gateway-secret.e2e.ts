/**
 * With GATEWAY_SHARED_SECRET set (Azure), only requests that came through APIM (which adds X-Gateway-Secret)
 * are served; health probes stay open for the platform.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SECRET = 'a-gateway-secret-of-enough-length';

describe('requests that did not come through the gateway', () => {
  let stack: TestStack;
  let token: string;
  beforeAll(async () => {
    stack = await startTestStack({ env: { GATEWAY_SHARED_SECRET: SECRET } });
    token = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs');
  });
  afterAll(() => stack?.close());

  it('are refused without the secret, even with a valid token', async () => {
    const res = await stack.fetch('Patient/pat-001', { token });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('pat-001"');
  });

  it('are refused with a wrong secret of the same length', async () => {
    const wrong = SECRET.replace(/.$/, 'X');
    expect((await stack.fetch('Patient/pat-001', { token, headers: { 'x-gateway-secret': wrong } })).status).toBe(403);
  });

  it('are served with the secret', async () => {
    expect((await stack.fetch('Patient/pat-001', { token, headers: { 'x-gateway-secret': SECRET } })).status).toBe(200);
  });

  it('health probes do not need it', async () => {
    expect((await stack.fetch('/health/live')).status).toBe(200);
  });
});
