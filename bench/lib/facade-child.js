// The facade under test, in its own process (so its RSS and start-up are its own), built exactly as
// main.ts builds it: loadConfig from the environment, the undici keep-alive pool, createApp with the
// backend from the factory, listen. The parent measures readiness by polling /health/ready.
// Not run as it is: bench/run.js bundles it with the service's own bundle options (rolldown.config.mjs), with
// `#facade-dist` pointing at the compiled tree under test, so the facade loads as the shipped bundle does.
// Environment: the facade's own variables (PORT, FHIR_BASE_URL, AUTH_ISSUERS, AUDIT_STORE_PATH...).
import 'reflect-metadata';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { createApp } from '#facade-dist/src/app.factory.js';
import { createFhirBackend } from '#facade-dist/src/backends/index.js';
import { loadConfig } from '#facade-dist/src/config/index.js';
import { configureHttpPool } from '#facade-dist/src/http/http-pool.js';
import { exitWithParent } from './processes.js';

exitWithParent();
const mb = (bytes) => Math.round(bytes / 2 ** 20);
const config = loadConfig(process.env);
configureHttpPool();
const app = await createApp(config, createFhirBackend(config, config.fhirBaseUrl));
await app.listen(config.port, config.host);
const fastify = app.getHttpAdapter().getInstance();
process.send?.({
  listening: true,
  uptimeMs: Math.round(process.uptime() * 1000),
  portalRoute: fastify.hasRoute({ method: 'GET', url: '/bff/portal/me' }),
  // What the process really runs with (glibc reads it at start): the parent reports it beside the V8 flags.
  mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
  // The names of the variables it was started with (no values: a variable given with --facade-env may hold a secret).
  environment: Object.keys(process.env).sort(),
  memoryAtListenMb: Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mb(v)])),
});
// Where the tail latency goes: event-loop stalls and garbage collection, reported when the parent asks.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const gc = { count: 0, totalMs: 0, maxMs: 0, over50ms: 0, byKind: {} };
// perf_hooks' GC kinds: which collector the pauses come from (a scavenge of the young generation, or the old one).
const GC_KINDS = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.totalMs += e.duration;
    gc.maxMs = Math.max(gc.maxMs, e.duration);
    if (e.duration > 50) gc.over50ms++;
    const kind = GC_KINDS[e.detail?.kind] ?? 'other';
    const k = (gc.byKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
    k.count++;
    k.totalMs += e.duration;
    k.maxMs = Math.max(k.maxMs, e.duration);
  }
}).observe({ entryTypes: ['gc'] });
const ms = (ns) => Math.round(ns / 1e4) / 100;
/** The request thread's V8 heap by space, resident MB (the audit writer thread's heap is not in it). */
const heapSpacesMb = () => Object.fromEntries(getHeapSpaceStatistics().filter((s) => s.physical_space_size > 0).map((s) => [s.space_name, mb(s.physical_space_size)]));
process.on('message', (m) => {
  if (m?.heapSnapshot) writeHeapSnapshot(m.heapSnapshot); // experiments (BENCH_HEAP_SNAPSHOT)
  if (m?.stats) {
    process.send?.({
      stats: {
        eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
        gc: {
          ...gc,
          totalMs: Math.round(gc.totalMs),
          maxMs: Math.round(gc.maxMs * 10) / 10,
          byKind: Object.fromEntries(Object.entries(gc.byKind).map(([k, v]) => [k, { count: v.count, totalMs: Math.round(v.totalMs), maxMs: Math.round(v.maxMs * 10) / 10 }])),
        },
        memoryMb: Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mb(v)])),
        heapSpacesMb: heapSpacesMb(),
      },
    });
  }
});

process.on('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
