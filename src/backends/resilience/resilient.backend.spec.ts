import { describe, expect, it } from 'vitest';
import type { ResilienceConfig } from '../../config/index.js';
import { badRequest, OperationOutcomeError, outcome, upstreamTooLarge } from '../../fhir/outcomes.js';
import type { BackendRequest, BackendResponse, FhirBackend } from '../fhir-backend.js';
import { ResilientBackend } from './resilient.backend.js';

const CONFIG: ResilienceConfig = {
  attemptTimeoutMs: 100,
  deadlineMs: 400,
  retries: 2,
  retryBaseDelayMs: 1,
  breakerFailures: 3,
  breakerHalfOpenMs: 100,
  bulkheadLimit: 2,
  bulkheadQueue: 0,
  maxResponseBytes: 65_536,
};

/** A backend whose answers are scripted per call; it counts calls and sees the abort signal. */
class ScriptedBackend implements FhirBackend {
  readonly name = 'scripted';
  readonly baseUrl = 'http://upstream.invalid/fhir';
  calls = 0;
  constructor(private readonly script: (n: number, req: BackendRequest) => Promise<BackendResponse>) {}
  request(req: BackendRequest): Promise<BackendResponse> {
    this.calls += 1;
    return this.script(this.calls, req);
  }
  async ping() {
    return true;
  }
}

const ok: BackendResponse = { status: 200, body: { resourceType: 'Bundle', type: 'searchset' }, headers: {} };
const upstream500 = () => new OperationOutcomeError(500, outcome('error', 'exception', 'Upstream answered 500'));
const hang = (req: BackendRequest) =>
  new Promise<BackendResponse>((_, reject) => req.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
const get: BackendRequest = { method: 'GET', path: 'Observation' };

describe('ResilientBackend', () => {
  it('retries a GET on 5xx and succeeds', async () => {
    const inner = new ScriptedBackend(async (n) => (n < 3 ? Promise.reject(upstream500()) : ok));
    await expect(new ResilientBackend(inner, CONFIG).request(get)).resolves.toBe(ok);
    expect(inner.calls).toBe(3);
  });

  it('never retries a POST, nor a 4xx', async () => {
    const post = new ScriptedBackend(() => Promise.reject(upstream500()));
    await expect(new ResilientBackend(post, CONFIG).request({ method: 'POST', path: 'Observation', body: {} })).rejects.toMatchObject({ status: 500 });
    expect(post.calls).toBe(1);
    const bad = new ScriptedBackend(() => Promise.reject(badRequest('no')));
    await expect(new ResilientBackend(bad, CONFIG).request(get)).rejects.toMatchObject({ status: 400 });
    expect(bad.calls).toBe(1);
  });

  it('times out an attempt (504) and passes the deadline to the backend as an abort signal', async () => {
    const inner = new ScriptedBackend((_, req) => hang(req));
    await expect(new ResilientBackend(inner, { ...CONFIG, retries: 0 }).request(get)).rejects.toMatchObject({ status: 504 });
  });

  it('the whole call, retries included, ends at its deadline', async () => {
    const inner = new ScriptedBackend((_, req) => hang(req));
    const backend = new ResilientBackend(inner, { ...CONFIG, attemptTimeoutMs: 300, deadlineMs: 350, retries: 5, breakerFailures: 100 });
    await expect(backend.request(get)).rejects.toMatchObject({ status: 504 });
    expect(inner.calls).toBeLessThanOrEqual(2);
  });

  it('a backend that ignores its abort signal still ends at the deadline (504), its signal aborted', async () => {
    let seen: AbortSignal | undefined;
    const inner = new ScriptedBackend((_, req) => {
      seen = req.signal;
      return new Promise<BackendResponse>(() => undefined);
    });
    const backend = new ResilientBackend(inner, { ...CONFIG, attemptTimeoutMs: 300, deadlineMs: 100, retries: 5, breakerFailures: 100 });
    await expect(backend.request(get)).rejects.toMatchObject({ status: 504 });
    expect(inner.calls).toBe(1);
    expect(seen?.aborted).toBe(true);
  });

  it('opens the circuit after consecutive failures (503 + Retry-After), then closes through a half-open probe', async () => {
    let failing = true;
    const inner = new ScriptedBackend(async () => (failing ? Promise.reject(upstream500()) : ok));
    const backend = new ResilientBackend(inner, { ...CONFIG, retries: 0 });
    for (let i = 0; i < 3; i += 1) await expect(backend.request(get)).rejects.toMatchObject({ status: 500 });
    const open = await backend.request(get).catch((e: OperationOutcomeError) => e);
    expect(open).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    expect(inner.calls).toBe(3);
    expect(await backend.ping()).toBe(false);
    failing = false;
    await new Promise((r) => setTimeout(r, 120));
    await expect(backend.request(get)).resolves.toBe(ok);
    await expect(backend.request(get)).resolves.toBe(ok);
  });

  it('a full bulkhead answers 503 at once', async () => {
    const inner = new ScriptedBackend((_, req) => hang(req));
    const backend = new ResilientBackend(inner, { ...CONFIG, retries: 0, bulkheadLimit: 1, attemptTimeoutMs: 200, deadlineMs: 200 });
    const first = backend.request(get).catch((e: unknown) => e);
    await expect(backend.request(get)).rejects.toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    await first;
  });

  it('an unreachable backend is a 502', async () => {
    const inner = new ScriptedBackend(() => Promise.reject(new TypeError('fetch failed')));
    await expect(new ResilientBackend(inner, { ...CONFIG, retries: 0 }).request(get)).rejects.toMatchObject({ status: 502 });
  });

  it('never retries an answer over the size limit, nor counts it against the backend (the circuit stays closed)', async () => {
    let large = true;
    const inner = new ScriptedBackend(async () => (large ? Promise.reject(upstreamTooLarge()) : ok));
    const backend = new ResilientBackend(inner, CONFIG);
    for (let i = 0; i < CONFIG.breakerFailures * 2; i += 1) {
      await expect(backend.request(get)).rejects.toMatchObject({ status: 502, outcome: { issue: [{ code: 'too-costly' }] } });
    }
    expect(inner.calls).toBe(CONFIG.breakerFailures * 2);
    large = false;
    await expect(backend.request(get)).resolves.toBe(ok);
    expect(await backend.ping()).toBe(true);
  });
});
