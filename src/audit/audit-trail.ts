/**
 * The local audit trail read back per patient: who accessed the patient's data, when, how and with what outcome.
 * It is the basis of a HIPAA accounting of disclosures (45 CFR §164.528); the patient portal endpoint reuses
 * `accessLogForPatient`. Read-only; works on a live store (WAL readers do not block the writer).
 *
 * @see https://www.hhs.gov/hipaa/for-professionals/privacy/guidance/accounting-disclosures/index.html
 */
import { DatabaseSync } from 'node:sqlite';
import type { AuditEvent, Extension } from '@medplum/fhirtypes';
import { AUDIT_REQUEST_EXTENSION, AuditCodes, FULL_SSN_EXTENSION } from './audit-event.factory.js';
import type { AuditOutbox } from './audit-outbox.js';

export interface AccessLogEntry {
  /** AuditEvent.recorded (ISO 8601). */
  readonly recorded: string;
  readonly eventId: string;
  readonly requestId?: string;
  /** The user: `fhirUser` (e.g. `Practitioner/prac-01`) when known, else `issuer|subject`; `anonymous` if none. */
  readonly who: string;
  readonly clientId?: string;
  /** FHIR interaction, e.g. `read`, `search-type`, `update`. */
  readonly interaction: string;
  /** C, R, U, D or E. */
  readonly action: string;
  readonly resourceType?: string;
  /** `Type/id` of the resource acted on, when one. */
  readonly resource?: string;
  /** 0 success, 4 minor failure (refused), 8 serious failure, 12 major failure. */
  readonly outcome: string;
  readonly outcomeDesc?: string;
  readonly statusCode?: number;
  readonly breakGlass: boolean;
  readonly breakGlassReason?: string;
  readonly fullSsnDisclosed: boolean;
}

/**
 * Every recorded access to `patientId`, oldest first, optionally only those recorded at or after `since`.
 * `store` is an open outbox (in process) or a store path (opened read-only).
 */
export function accessLogForPatient(store: AuditOutbox | string, patientId: string, since?: Date | string): AccessLogEntry[] {
  const sinceDate = since === undefined ? undefined : new Date(since);
  if (sinceDate && Number.isNaN(sinceDate.getTime())) throw new RangeError('since is not a valid date');
  const sinceIso = sinceDate?.toISOString() ?? '';
  const owned = typeof store === 'string' ? new DatabaseSync(store, { readOnly: true }) : undefined;
  const db = owned ?? (store as AuditOutbox).database;
  if (!db) throw new Error('audit store is not open');
  try {
    const rows = db
      .prepare('SELECT body FROM audit_event WHERE patient_id = ? AND recorded_at >= ? ORDER BY recorded_at, seq')
      .all(patientId, sinceIso) as Array<{ body: string }>;
    return rows.map((r) => toEntry(JSON.parse(r.body) as AuditEvent));
  } finally {
    owned?.close();
  }
}

function toEntry(event: AuditEvent): AccessLogEntry {
  const user = event.agent?.find((a) => a.type?.coding?.some((c) => c.code === AuditCodes.agentUserOauth.code));
  const client = event.agent?.find((a) => a.type?.coding?.some((c) => c.code === AuditCodes.agentSource.code));
  const ext = event.extension?.find((e) => e.url === AUDIT_REQUEST_EXTENSION)?.extension ?? [];
  const field = (url: string): Extension | undefined => ext.find((e) => e.url === url);
  const data = event.entity?.find((e) => e.role?.code === AuditCodes.roleDomainResource.code)?.what?.reference;
  const queryType = event.entity?.find((e) => e.role?.code === AuditCodes.roleQuery.code)?.detail?.find((d) => d.type === 'resourceType')?.valueString;
  const btg = event.purposeOfEvent?.find((p) => p.coding?.some((c) => c.code === AuditCodes.purposeBreakGlass.code));
  const identifier = user?.who?.identifier;
  const who = user?.who?.reference ?? (identifier ? `${identifier.system ?? ''}|${identifier.value ?? ''}` : 'anonymous');
  const clientId = user ? client?.who?.identifier?.value : undefined;
  const requestId = field('requestId')?.valueString;
  const statusCode = field('statusCode')?.valueInteger;
  const resourceType = data?.split('/')[0] ?? queryType;
  return {
    recorded: event.recorded ?? '',
    eventId: event.id ?? '',
    ...(requestId ? { requestId } : {}),
    who,
    ...(clientId ? { clientId } : {}),
    interaction: event.subtype?.find((s) => s.system === AuditCodes.restfulInteractionSystem)?.code ?? 'unknown',
    action: event.action ?? '',
    ...(resourceType ? { resourceType } : {}),
    ...(data ? { resource: data } : {}),
    outcome: event.outcome ?? '',
    ...(event.outcomeDesc ? { outcomeDesc: event.outcomeDesc } : {}),
    ...(statusCode !== undefined ? { statusCode } : {}),
    breakGlass: btg !== undefined,
    ...(btg?.text ? { breakGlassReason: btg.text } : {}),
    fullSsnDisclosed: event.extension?.some((e) => e.url === FULL_SSN_EXTENSION && e.valueBoolean === true) ?? false,
  };
}
