/**
 * Thrown by `AuditOutbox.append` when an audit event cannot be made durable: the outbox is full (too many
 * undelivered events) or the store cannot be written. The HTTP layer answers 503 in fail-closed mode (the
 * default) or serves the response and raises an alert in fail-open mode.
 */
export type AuditUnavailableReason = 'full' | 'unwritable';

export class AuditUnavailableError extends Error {
  constructor(
    readonly reason: AuditUnavailableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuditUnavailableError';
  }
}
