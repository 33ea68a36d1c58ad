/**
 * What the HTTP layer calls once per request, after the response is decided and before it is released:
 * builds the request's AuditEvents (one per patient touched) and makes them durable in the outbox.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { createAuditEvents, type AuditEventFactoryOptions } from './audit-event.factory.js';
import type { AuditOutbox } from './audit-outbox.js';
import type { AuditRecord } from './audit-record.js';

export class AuditRecorder {
  constructor(
    private readonly outbox: AuditOutbox,
    private readonly factoryOptions: AuditEventFactoryOptions,
  ) {}

  /**
   * Builds and appends the events of one request; returns them once they are committed.
   * @throws AuditUnavailableError when the outbox is full or not writable: answer 503 (fail closed) or serve
   *   and alert (fail open).
   */
  record(record: AuditRecord): readonly AuditEvent[] {
    const events = createAuditEvents(record, this.factoryOptions);
    this.outbox.append(events);
    return events;
  }

  /**
   * Group commit: builds the events of several requests and appends them in one transaction (one fsync).
   * All or nothing: when the outbox cannot take them, none is written and the error is thrown for all.
   */
  recordAll(records: readonly AuditRecord[]): void {
    this.outbox.append(records.flatMap((record) => createAuditEvents(record, this.factoryOptions)));
  }
}
