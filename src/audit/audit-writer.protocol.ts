/**
 * Messages between the audit writer thread (audit-writer.worker.ts) and the service (audit-writer.ts).
 * Plain data only (structured clone): AuditRecords in, acknowledgements and outbox state out.
 */
import type { AuditRecord } from './audit-record.js';
import type { AuditUnavailableReason } from './audit-unavailable.error.js';

/** What the writer thread needs: the store, the event factory's identity, and where to ship. */
export interface AuditWriterOptions {
  readonly storePath: string;
  readonly maxPendingEvents: number;
  readonly shipMaxBackoffMs: number;
  readonly shipperLingerMs: number;
  readonly observer: string;
  readonly serverBaseUrl?: string;
  readonly eventHubConnectionString?: string;
  readonly eventHubName?: string;
  readonly eventHubNamespace?: string;
}

/** The outbox as the metrics and the readiness probe see it: depth after every commit, all of it every second. */
export interface AuditOutboxState {
  readonly writable: boolean;
  readonly pending: number;
  /** When the oldest undelivered event was appended (epoch ms); undefined when none is pending. */
  readonly oldestPendingAppendedAt?: number;
  readonly shipFailures: number;
}

export type ToWriter =
  | { readonly type: 'record'; readonly id: number; readonly records: readonly AuditRecord[] }
  | { readonly type: 'drain'; readonly deadlineMs: number };

export type FromWriter =
  | {
      readonly type: 'recorded';
      readonly id: number;
      readonly error?: { readonly reason: AuditUnavailableReason; readonly message: string };
      readonly writable: boolean;
      readonly pending: number;
    }
  | { readonly type: 'state'; readonly state: AuditOutboxState }
  | { readonly type: 'ship-failed'; readonly attempt: number }
  | { readonly type: 'drained'; readonly pending: number };
