/**
 * The audit writer thread: owns the outbox (SQLite, `synchronous=FULL`), builds the AuditEvents, commits them
 * (hash chain, fsync) and ships them (Event Hubs or the local store). The request thread only posts records
 * and waits for the acknowledgement, so a slow disk or a long fsync never stalls the event loop that serves
 * requests, and a response is still released only after its events are durable (issue 9).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AuditOutbox } from './audit-outbox.js';
import { AuditRecorder } from './audit-recorder.js';
import { AuditShipper } from './audit-shipper.js';
import { LocalStoreSink, type AuditSink } from './audit-sink.js';
import { AuditUnavailableError } from './audit-unavailable.error.js';
import type { AuditWriterOptions, FromWriter, ToWriter } from './audit-writer.protocol.js';
import { EventHubsSink } from './event-hubs.sink.js';

const STATE_INTERVAL_MS = 1_000;

const port = parentPort!;
const options = workerData as AuditWriterOptions;
const outbox = new AuditOutbox({ path: options.storePath, maxPendingRows: options.maxPendingEvents });
const recorder = new AuditRecorder(outbox, { observer: options.observer, serverBaseUrl: options.serverBaseUrl });
const sink = createSink(options);
const shipper = new AuditShipper(outbox, sink, {
  lingerMs: options.shipperLingerMs,
  maxBackoffMs: options.shipMaxBackoffMs,
  onError: (_err: unknown, attempt: number) => post({ type: 'ship-failed', attempt }),
});

function post(message: FromWriter): void {
  port.postMessage(message);
}

function postState(): void {
  let oldest: number | undefined;
  try {
    const age = outbox.oldestPendingAgeMs();
    oldest = outbox.pendingCount() > 0 ? Date.now() - age : undefined;
  } catch {
    oldest = undefined;
  }
  post({ type: 'state', state: { writable: outbox.writable, pending: outbox.pendingCount(), oldestPendingAppendedAt: oldest, shipFailures: shipper.consecutiveFailures } });
}

/** Commits one batch and acknowledges it, with the outbox's depth (the age follows with the periodic state). */
function record(id: number, records: ToWriter & { type: 'record' }): void {
  try {
    recorder.recordAll(records.records);
    post({ type: 'recorded', id, writable: true, pending: outbox.pendingCount() });
  } catch (err) {
    const error =
      err instanceof AuditUnavailableError
        ? { reason: err.reason, message: err.message }
        : { reason: 'unwritable' as const, message: 'audit events could not be built' };
    post({ type: 'recorded', id, error, writable: outbox.writable, pending: outbox.pendingCount() });
  }
}

async function drain(deadlineMs: number): Promise<void> {
  clearInterval(stateTimer);
  const result = await shipper.drain(deadlineMs);
  await sink.close().catch(() => undefined);
  outbox.close();
  post({ type: 'drained', pending: result.pending });
  port.close();
}

port.on('message', (message: ToWriter) => {
  if (message.type === 'record') record(message.id, message);
  else void drain(message.deadlineMs);
});
const stateTimer = setInterval(postState, STATE_INTERVAL_MS);
shipper.start();
postState();

/** Event Hubs when configured (connection string, or namespace with DefaultAzureCredential); else the store is the trail. */
function createSink(o: AuditWriterOptions): AuditSink {
  if (o.eventHubConnectionString) return new EventHubsSink({ connectionString: o.eventHubConnectionString, eventHubName: o.eventHubName });
  if (o.eventHubNamespace && o.eventHubName) return new EventHubsSink({ fullyQualifiedNamespace: o.eventHubNamespace, eventHubName: o.eventHubName });
  return new LocalStoreSink();
}
