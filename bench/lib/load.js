// Load generation: throughput at saturation with autocannon, and latency at a fixed rate with an open-loop
// paced client.
//
// Why not autocannon's own rate limit for the fixed-rate phase: autocannon (9.0) limits each connection to
// `rate` requests per second by sending them back to back and then pausing until the next one-second tick,
// so "300 req/s" arrives as a burst at the start of every second, and its latency histogram has a
// resolution of 1 ms. The paced client sends one request every 1/rate seconds whatever the answers do
// (open loop, keep-alive pool), and keeps every latency sample as a float in milliseconds.
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

/**
 * Saturation throughput: `connections` keep-alive connections, each sending its next request as soon as
 * the previous answer arrived, for `seconds`. `requests` are cycled in order on every connection.
 */
export async function saturate(origin, requests, { connections, seconds }) {
  const result = await autocannon({
    url: origin,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: requests.map((r) => ({ method: 'GET', path: r.path, headers: r.headers })),
  });
  const completed = result.requests.total;
  return {
    rps: round(completed / Math.max(result.duration, 0.001), 1),
    requests: completed,
    seconds: result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, resolution: 1 },
    bytesPerSec: Math.round(result.throughput.average),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Latency at a fixed, steady request rate: one request every 1000/rate ms, open loop. */
export async function paced(origin, requests, { rate, seconds, connections = 64 }) {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const interval = 1000 / rate;
  const total = Math.max(1, Math.round(rate * seconds));
  const samples = [];
  let errors = 0;
  let non2xx = 0;
  const inflight = new Set();
  const send = (n) => {
    const r = requests[n % requests.length];
    const started = performance.now();
    const p = pool
      .request({ method: 'GET', path: r.path, headers: r.headers })
      .then(async (res) => {
        await consume(res.body);
        if (res.statusCode < 200 || res.statusCode > 299) non2xx++;
        else samples.push(performance.now() - started);
      })
      .catch(() => void errors++)
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
    while (sent < due) send(sent++);
    const next = t0 + sent * interval;
    await sleep(Math.max(0, next - performance.now() - 0.2));
  }
  await Promise.all([...inflight]);
  const elapsed = (performance.now() - t0) / 1000;
  await pool.close();
  samples.sort((a, b) => a - b);
  return {
    targetRate: rate,
    achievedRate: round(total / elapsed, 1),
    requests: total,
    latencyMs: {
      p50: round(percentile(samples, 0.5), 3),
      p90: round(percentile(samples, 0.9), 3),
      p99: round(percentile(samples, 0.99), 3),
      max: round(samples.at(-1) ?? NaN, 3),
    },
    errors,
    non2xx,
  };
}

/**
 * Reads a response body to its last byte without keeping it. With `body.arrayBuffer()`, which copies every
 * answer into a fresh ArrayBuffer, the direct call's p99 on B's 45 KB Bundles was 7.8-10.7 ms, against 0.85-0.99 ms
 * with this (alternating rounds, BENCHMARKS.md log 24): the client's own cost, subtracted from the facade's p99 as
 * if it were the upstream's. Rejects when the body fails midway, so a cut answer counts as an error.
 */
function consume(body) {
  return new Promise((resolve, reject) => {
    body
      .on('data', () => {})
      .once('end', resolve)
      .once('error', reject);
  });
}

/** Warm-up (JIT, connection pools, caches): a short saturation run whose numbers are thrown away. */
export async function warmUp(origin, requests, { connections, seconds }) {
  if (seconds > 0) await saturate(origin, requests, { connections, seconds });
}

function percentile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function round(x, digits) {
  const f = 10 ** digits;
  return Number.isFinite(x) ? Math.round(x * f) / f : null;
}
