// Audit pipeline benchmark.
//
//   npm run build && node_modules/.bin/node bench/audit.bench.js [--events 20000] [--requests 5000]
//
// Runs against the compiled pipeline in dist/ and the rhea AMQP peer from test/support (loaded as TypeScript
// through Node 24's type stripping), with the real EventHubProducerClient. Reports:
//   - the latency `AuditRecorder.record` (factory + outbox append, synchronous) adds to a request, for
//     synchronous=FULL (the default) and NORMAL, with 1 and 3 patients per request;
//   - events/s delivered to the peer by the shipper + EventHubsSink, from a pre-filled outbox and while
//     requests keep appending.
// Writes bench/audit-results.json. Stores go to bench/.tmp/ (git-ignored). Not part of `npm test`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AuditOutbox, AuditRecorder, AuditShipper, EventHubsSink } from '../dist/src/audit/index.js';
import { AmqpPeer } from '../test/support/amqp-peer.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' }, requests: { type: 'string', default: '5000' } } });
const EVENTS = Number(values.events);
const REQUESTS = Number(values.requests);
// Its own folder: a concurrent `npm run bench` keeps its files in bench/.tmp/run-<pid>.
const TMP = join(import.meta.dirname, '.tmp', `audit-${process.pid}`);
rmSync(TMP, { recursive: true, force: true });
mkdirSync(TMP, { recursive: true });

const principal = {
  issuer: 'https://idp.example.test', subject: 'user-1', clientId: 'bench', kind: 'practitioner',
  fhirUser: 'Practitioner/prac-01', scopes: ['user/*.rs'], roles: [], expiresAt: 2_000_000_000,
};
const factory = { observer: 'fhir-facade', serverBaseUrl: 'http://127.0.0.1:3000/fhir' };
const record = (i, patients) => ({
  requestId: `req-${i}`, timestamp: new Date(), method: 'GET', path: '/fhir/Observation', queryString: 'patient=x&code=8867-4',
  interaction: 'search-type', resourceType: 'Observation', status: 200, durationMs: 4.2, ip: '10.0.0.1',
  userAgent: 'bench', principal, patients,
});
const patientsFor = (i, n) => Array.from({ length: n }, (_, k) => `pat-${(i * n + k) % 500}`);

function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const r = (x) => Math.round(x * 1000) / 1000;
  return { n: s.length, meanMs: r(mean), p50Ms: r(at(50)), p95Ms: r(at(95)), p99Ms: r(at(99)), maxMs: r(s.at(-1)) };
}

/** Latency of one request's audit write (factory + append), no shipper running. */
function appendLatency(synchronous, patientsPerRequest) {
  const path = join(TMP, `latency-${synchronous}-${patientsPerRequest}.sqlite`);
  const outbox = new AuditOutbox({ path, synchronous, maxPendingRows: 10_000_000 });
  const recorder = new AuditRecorder(outbox, factory);
  for (let i = 0; i < 200; i++) recorder.record(record(i, patientsFor(i, patientsPerRequest))); // warm-up
  const samples = [];
  for (let i = 0; i < REQUESTS; i++) {
    const rec = record(i, patientsFor(i, patientsPerRequest));
    const t0 = performance.now();
    recorder.record(rec);
    samples.push(performance.now() - t0);
  }
  outbox.close();
  return { synchronous, patientsPerRequest, ...percentiles(samples) };
}

async function waitFor(predicate, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Events/s from a pre-filled outbox to the peer. */
async function deliveryThroughput(peer, batchSize) {
  const path = join(TMP, `delivery-${batchSize}.sqlite`);
  const outbox = new AuditOutbox({ path, maxPendingRows: 10_000_000 });
  const recorder = new AuditRecorder(outbox, factory);
  let i = 0;
  while (outbox.pendingCount() < EVENTS) recorder.record(record(i++, patientsFor(i, 1)));
  const sink = new EventHubsSink({ connectionString: peer.connectionString() });
  const shipper = new AuditShipper(outbox, sink, { batchSize });
  peer.received.length = 0;
  const t0 = performance.now();
  shipper.start();
  await waitFor(() => outbox.pendingCount() === 0, 300_000);
  const seconds = (performance.now() - t0) / 1000;
  await shipper.stop();
  await sink.close();
  outbox.close();
  return { batchSize, events: EVENTS, seconds: Math.round(seconds * 1000) / 1000, eventsPerSecond: Math.round(EVENTS / seconds), uniqueAtPeer: peer.uniqueIds().size };
}

/** Requests keep appending (1 patient each) while the shipper delivers: append latency under shipping load. */
async function concurrent(peer) {
  const path = join(TMP, 'concurrent.sqlite');
  const outbox = new AuditOutbox({ path, maxPendingRows: 10_000_000 });
  const recorder = new AuditRecorder(outbox, factory);
  const sink = new EventHubsSink({ connectionString: peer.connectionString() });
  const shipper = new AuditShipper(outbox, sink, { batchSize: 200 });
  peer.received.length = 0;
  shipper.start();
  const samples = [];
  const t0 = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const rec = record(i, patientsFor(i, 1));
    const a = performance.now();
    recorder.record(rec);
    samples.push(performance.now() - a);
    if (i % 50 === 0) await new Promise((r) => setImmediate(r)); // let the shipper run, as an event loop would
  }
  await waitFor(() => outbox.pendingCount() === 0, 300_000);
  const seconds = (performance.now() - t0) / 1000;
  await shipper.stop();
  await sink.close();
  outbox.close();
  return { requests: REQUESTS, seconds: Math.round(seconds * 1000) / 1000, eventsPerSecond: Math.round(REQUESTS / seconds), appendLatency: percentiles(samples) };
}

const peer = await AmqpPeer.create({ maxMessageSize: 1024 * 1024 });
try {
  const latency = [appendLatency('FULL', 1), appendLatency('FULL', 3), appendLatency('NORMAL', 1), appendLatency('NORMAL', 3)];
  const delivery = [await deliveryThroughput(peer, 100), await deliveryThroughput(peer, 500)];
  const whileShipping = await concurrent(peer);
  const results = {
    when: new Date().toISOString(),
    machine: { node: process.version, platform: `${platform()} ${release()}`, cpus: cpus().length, cpu: cpus()[0]?.model },
    note: 'Loopback AMQP peer (rhea) and a local disk: delivery numbers are an upper bound for the pipeline, not for Azure Event Hubs.',
    appendLatency: latency,
    delivery,
    whileShipping,
  };
  writeFileSync(join(import.meta.dirname, 'audit-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  await peer.close();
  rmSync(TMP, { recursive: true, force: true });
}
