/**
 * The audit pipeline as one service: the outbox (durable before the response is released), the recorder
 * (BALP events, one per patient), and the shipper to the configured sink (Event Hubs, or the local store
 * itself in the local profile). Drains within a deadline on shutdown (SIGTERM).
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { AuditOutbox } from './audit-outbox.js';
import type { AuditRecord } from './audit-record.js';
import { AuditRecorder } from './audit-recorder.js';
import { AuditShipper } from './audit-shipper.js';
import { LocalStoreSink, type AuditSink } from './audit-sink.js';
import { EventHubsSink } from './event-hubs.sink.js';

const DRAIN_DEADLINE_MS = 10_000;
/** Ship at most one partial batch per 20 ms: under load, one "delivered" transaction per batch, not per request. */
const SHIPPER_LINGER_MS = 20;

@Injectable()
export class AuditService implements OnModuleInit, OnApplicationShutdown {
  readonly outbox: AuditOutbox;
  private readonly recorder: AuditRecorder;
  private readonly sink: AuditSink;
  readonly shipper: AuditShipper;
  private readonly logger = new Logger('Audit');
  private closed = false;
  private queued: Array<{ record: AuditRecord; resolve: () => void; reject: (err: unknown) => void }> = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const audit = config.audit;
    this.outbox = new AuditOutbox({ path: audit.storePath, maxPendingRows: audit.maxPendingEvents });
    this.recorder = new AuditRecorder(this.outbox, { observer: 'fhir-facade', serverBaseUrl: config.fhirBase });
    this.sink = createSink(config);
    this.shipper = new AuditShipper(this.outbox, this.sink, {
      lingerMs: SHIPPER_LINGER_MS,
      maxBackoffMs: audit.shipMaxBackoffMs,
      onError: (_err: unknown, attempt: number) => this.logger.warn({ msg: 'audit shipping failed', attempt }),
    });
  }

  onModuleInit(): void {
    this.shipper.start();
  }

  /**
   * Appends the request's events; resolves once they are committed (durable), rejects with AuditUnavailableError
   * when the outbox cannot take them. Group commit: the requests answered in the same turn of the event loop
   * share one transaction, so under load one fsync covers many requests; a lone request waits one setImmediate.
   */
  record(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queued.push({ record, resolve, reject }) === 1) setImmediate(() => this.commitQueued());
    });
  }

  private commitQueued(): void {
    const batch = this.queued;
    this.queued = [];
    try {
      this.recorder.recordAll(batch.map((q) => q.record));
    } catch (err) {
      for (const q of batch) q.reject(err);
      return;
    }
    for (const q of batch) q.resolve();
  }

  get failMode() {
    return this.config.audit.failMode;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const result = await this.shipper.drain(DRAIN_DEADLINE_MS);
    if (result.pending > 0) this.logger.warn({ msg: 'audit events left in the outbox at shutdown', pending: result.pending });
    await this.sink.close();
    this.outbox.close();
  }
}

/** Event Hubs when configured (connection string, or namespace with DefaultAzureCredential); else the store is the trail. */
function createSink(config: AppConfig): AuditSink {
  const { eventHubConnectionString, eventHubName, eventHubNamespace } = config.audit;
  if (eventHubConnectionString) return new EventHubsSink({ connectionString: eventHubConnectionString, eventHubName });
  if (eventHubNamespace && eventHubName) return new EventHubsSink({ fullyQualifiedNamespace: eventHubNamespace, eventHubName });
  return new LocalStoreSink();
}
