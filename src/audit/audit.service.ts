/**
 * The audit pipeline as one service. The outbox (durable before the response is released), the BALP event
 * factory and the shipper to the configured sink (Event Hubs, or the local store itself in the local profile)
 * run in the audit writer thread (audit-writer.worker.ts); this service hands it each request's record and
 * waits for the commit. Drains within a deadline on shutdown (SIGTERM).
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import type { AuditRecord } from './audit-record.js';
import { AuditWriter } from './audit-writer.js';

const DRAIN_DEADLINE_MS = 10_000;
/** Ship at most one partial batch per 20 ms: under load, one "delivered" transaction per batch, not per request. */
const SHIPPER_LINGER_MS = 20;

@Injectable()
export class AuditService implements OnApplicationShutdown {
  private readonly writer: AuditWriter;
  private readonly logger = new Logger('Audit');
  private closed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const audit = config.audit;
    this.writer = new AuditWriter(
      {
        storePath: audit.storePath,
        maxPendingEvents: audit.maxPendingEvents,
        shipMaxBackoffMs: audit.shipMaxBackoffMs,
        shipperLingerMs: SHIPPER_LINGER_MS,
        observer: 'fhir-facade',
        serverBaseUrl: config.fhirBase,
        eventHubConnectionString: audit.eventHubConnectionString,
        eventHubName: audit.eventHubName,
        eventHubNamespace: audit.eventHubNamespace,
      },
      { onShipFailure: (attempt) => this.logger.warn({ msg: 'audit shipping failed', attempt }) },
    );
  }

  /**
   * Resolves once the request's events are committed (durable); rejects with AuditUnavailableError when the
   * outbox cannot take them. Requests answered together share one commit (see audit-writer.ts).
   */
  record(record: AuditRecord): Promise<void> {
    return this.writer.record(record);
  }

  get failMode() {
    return this.config.audit.failMode;
  }

  /** Whether the audit store could be written at last report (readiness). */
  get writable(): boolean {
    return this.writer.state.writable;
  }

  /** Depth and age of the undelivered events (the metrics' OutboxGauges). */
  readonly outbox = {
    pendingCount: () => this.writer.state.pending,
    oldestPendingAgeMs: () => {
      const at = this.writer.state.oldestPendingAppendedAt;
      return at === undefined ? 0 : Math.max(0, Date.now() - at);
    },
  };

  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = await this.writer.drain(DRAIN_DEADLINE_MS);
    if (pending > 0) this.logger.warn({ msg: 'audit events left in the outbox at shutdown', pending });
  }
}
