/** Public surface of the audit pipeline (the HTTP interceptor, health, metrics and the portal use these). */
export type { AuditInteraction, AuditRecord } from './audit-record.js';
export {
  AUDIT_REQUEST_EXTENSION,
  AuditCodes,
  FULL_SSN_EXTENSION,
  NO_PATIENT_PARTITION,
  actionForInteraction,
  createAuditEvents,
  outcomeForStatus,
  patientOf,
  type AuditEventFactoryOptions,
  type AuditOutcomeCode,
} from './audit-event.factory.js';
export { AuditOutbox, type AuditOutboxOptions, type PendingAuditEvent } from './audit-outbox.js';
export { AuditRecorder } from './audit-recorder.js';
export { AuditUnavailableError, type AuditUnavailableReason } from './audit-unavailable.error.js';
export { AuditShipper, type AuditShipperOptions, type DrainResult } from './audit-shipper.js';
export { LocalStoreSink, type AuditSink, type AuditSinkMessage } from './audit-sink.js';
export { EventHubsSink, type EventHubsSinkOptions } from './event-hubs.sink.js';
export { verifyAuditStore, verifyAuditChain, type AuditVerifyResult, type TamperKind } from './audit-verify.js';
export { accessLogForPatient, type AccessLogEntry } from './audit-trail.js';
export { AuditModule } from './audit.module.js';
export { AuditService } from './audit.service.js';
export { AuditWriter } from './audit-writer.js';
export type { AuditOutboxState, AuditWriterOptions } from './audit-writer.protocol.js';
export { registerAuditHook, type AuditAlerts } from './audit-http.hook.js';
