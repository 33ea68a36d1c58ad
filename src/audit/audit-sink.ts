/**
 * Where the shipper delivers audit events. Implementations: `EventHubsSink` (Azure) and `LocalStoreSink`
 * (local profile). Delivery is at-least-once: after a failure the whole batch is sent again, so consumers
 * drop duplicates by `id` (the AuditEvent.id, also the message id).
 */
export interface AuditSinkMessage {
  /** AuditEvent.id (UUID): the dedupe key downstream. */
  readonly id: string;
  /** Patient id, or `_no-patient`: keeps one patient's events in order on one partition. */
  readonly partitionKey: string;
  /** Canonical JSON of the AuditEvent, exactly as stored and hashed locally. */
  readonly body: string;
  /** Chain hash of this event in the local store, so downstream copies can be checked against it. */
  readonly hash?: string;
}

export interface AuditSink {
  /** Resolves once every message is acknowledged by the destination; rejects otherwise (nothing is assumed sent). */
  send(batch: readonly AuditSinkMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Sink for the local profile: the outbox itself is the trail (queried by `npm run audit`), so "delivering"
 * only marks events as delivered. Nothing leaves the machine.
 */
export class LocalStoreSink implements AuditSink {
  async send(_batch: readonly AuditSinkMessage[]): Promise<void> {}
  async close(): Promise<void> {}
}
