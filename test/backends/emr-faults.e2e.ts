/**
 * Faults at the EMRs and what the facade answers, each within a bounded time (every request carries its own
 * abort deadline; statuses are asserted, durations never): a slow EMR (timeout), 500s (retried, then the
 * circuit opens: 503 + Retry-After; it closes again through a half-open probe), reset connections, a token
 * endpoint that is down, a key rotated in the secrets provider. Merged searches degrade to the other
 * backends' results plus an OperationOutcome entry, or fail when so configured.
 */
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEmrClientKey } from '../../src/sandbox/emr-sandbox.keys.js';
import { EMR_CLIENT_IDS } from '../../src/sandbox/emr-sandbox.stack.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const FAST = { UPSTREAM_TIMEOUT_MS: '1000', UPSTREAM_DEADLINE_MS: '3000', UPSTREAM_RETRIES: '2', UPSTREAM_RETRY_BASE_DELAY_MS: '10' };
const EPIC_READ = 'Appointment/epic.epic-appt-0001-1';
const MERGED = 'MedicationRequest?patient=pat-001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function client(stack: TestStack, token: string) {
  return async (path: string) => {
    const res = await stack.fetch(path, { token, signal: AbortSignal.timeout(10_000) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Bundle & Pick<OperationOutcome, 'issue'> };
  };
}
const sources = (b: Bundle) => new Set((b.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource?.meta?.source?.split(':').pop()));
const outcomeTexts = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'outcome').map((e) => (e.resource as OperationOutcome).issue?.[0]?.details?.text);

describe('an EMR that is slow, fails or resets (partial results)', () => {
  let stack: TestStack;
  let call: ReturnType<typeof client>;
  beforeAll(async () => {
    stack = await startTestStack({ emr: true, env: { ...FAST, BREAKER_FAILURES: '1000' } });
    call = client(stack, await stack.systemToken('system/*.rs'));
    expect((await call(MERGED)).status).toBe(200); // cross-walk and tokens warm
  });
  afterAll(() => stack?.close());

  it('a slow EMR: its own read times out with 504, a merged search answers with the others and an outcome', async () => {
    stack.emr!.epic.faults.set({ kind: 'slow', delayMs: 6000 });
    try {
      const read = await call(EPIC_READ);
      expect(read.status).toBe(504);
      expect(read.body.issue?.[0]?.code).toBe('timeout');
      const merged = await call(MERGED);
      expect(merged.status).toBe(200);
      expect(sources(merged.body)).toEqual(new Set(['ahds', 'cerner']));
      expect(outcomeTexts(merged.body)).toEqual(['Results from backend epic are missing: timed out']);
    } finally {
      stack.emr!.epic.faults.clear();
    }
  });

  it('a read that gets 500 twice is retried and succeeds on the third attempt', async () => {
    const { faults } = stack.emr!.epic;
    faults.set({ kind: 'status', status: 500 }, 2);
    const before = faults.hits.fhir;
    expect((await call(EPIC_READ)).status).toBe(200);
    expect(faults.hits.fhir - before).toBe(3);
  });

  it('reset connections: 502, and a merged search shows what it has', async () => {
    stack.emr!.cerner.faults.set({ kind: 'reset' });
    try {
      const read = await call('Appointment/cerner.cerner-appt-0001-1');
      expect(read.status).toBe(502);
      expect(JSON.stringify(read.body)).not.toContain(stack.emr!.cerner.fhirBaseUrl);
      const merged = await call(MERGED);
      expect(merged.status).toBe(200);
      expect(sources(merged.body)).toEqual(new Set(['ahds', 'epic']));
      expect(outcomeTexts(merged.body)).toEqual(['Results from backend cerner are missing: unavailable']);
    } finally {
      stack.emr!.cerner.faults.clear();
    }
  });

  it('a token endpoint that is down: 502 once the token is gone, recovery once it is back', async () => {
    const { faults } = stack.emr!.epic;
    faults.revokeTokens();
    faults.tokenDown = true;
    try {
      expect((await call(EPIC_READ)).status).toBe(502);
      const merged = await call(MERGED);
      expect(outcomeTexts(merged.body)).toEqual(['Results from backend epic are missing: unavailable']);
    } finally {
      faults.tokenDown = false;
    }
    await sleep(1100); // tokens issued now are newer than the revocation
    expect((await call(EPIC_READ)).status).toBe(200);
  });

  it('a key rotated in the secrets provider is picked up without a restart', async () => {
    const { epic } = stack.emr!;
    const next = await generateEmrClientKey('RS384');
    stack.secrets.set('epic-private-key', next.privateJwkJson); // the new key in the vault
    epic.setClientKeys(EMR_CLIENT_IDS.epic, [next.publicJwk]); // the EMR retires the old one
    epic.faults.revokeTokens(); // and the token issued with it
    await sleep(1100);
    const before = epic.faults.hits.token;
    expect((await call(EPIC_READ)).status).toBe(200);
    expect(epic.faults.hits.token - before).toBe(2); // refused with the cached old key, then the fresh one
  });
});

describe('the circuit breaker of one EMR', () => {
  let stack: TestStack;
  let call: ReturnType<typeof client>;
  beforeAll(async () => {
    stack = await startTestStack({ emr: true, env: { ...FAST, BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '1500' } });
    call = client(stack, await stack.systemToken('system/*.rs'));
    expect((await call(MERGED)).status).toBe(200);
  });
  afterAll(() => stack?.close());

  it('500s are retried, then the circuit opens (503 + Retry-After), then closes through a half-open probe', async () => {
    const { faults } = stack.emr!.epic;
    faults.set({ kind: 'status', status: 500 });
    let before = faults.hits.fhir;
    const failing = await call(EPIC_READ);
    expect(failing.status).toBe(502);
    expect(faults.hits.fhir - before).toBe(3); // one call, two retries: three consecutive failures

    before = faults.hits.fhir;
    const open = await call(EPIC_READ);
    expect(open.status).toBe(503);
    expect(Number(open.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(open.body.issue?.[0]?.code).toBe('transient');
    expect(faults.hits.fhir - before).toBe(0); // the EMR is spared while open
    const merged = await call(MERGED);
    expect(merged.status).toBe(200);
    expect(outcomeTexts(merged.body)).toEqual(['Results from backend epic are missing: temporarily unavailable']);

    faults.clear();
    await sleep(1600); // half-open: the next call is the probe
    expect((await call(EPIC_READ)).status).toBe(200);
    expect((await call(EPIC_READ)).status).toBe(200);
    expect(sources((await call(MERGED)).body)).toEqual(new Set(['ahds', 'epic', 'cerner']));
  });
});

describe('MERGED_SEARCH_FAILURE=fail', () => {
  let stack: TestStack;
  let call: ReturnType<typeof client>;
  beforeAll(async () => {
    stack = await startTestStack({ emr: true, env: { ...FAST, MERGED_SEARCH_FAILURE: 'fail' } });
    call = client(stack, await stack.systemToken('system/*.rs'));
  });
  afterAll(() => stack?.close());

  it('one EMR failing fails the whole search', async () => {
    expect((await call(MERGED)).status).toBe(200);
    stack.emr!.cerner.faults.set({ kind: 'status', status: 500 });
    try {
      const res = await call(MERGED);
      expect(res.status).toBe(502);
      expect((res.body as { resourceType: string }).resourceType).toBe('OperationOutcome');
    } finally {
      stack.emr!.cerner.faults.clear();
    }
  });
});
