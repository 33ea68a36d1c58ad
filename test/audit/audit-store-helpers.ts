/** Temporary stores and a few appended events, for the audit specs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '@medplum/fhirtypes';
import { createAuditEvents } from '../../src/audit/audit-event.factory.js';
import { AuditOutbox, type AuditOutboxOptions } from '../../src/audit/audit-outbox.js';
import { auditRecord, factoryOptions } from './audit-fixtures.js';

export interface TempStore {
  readonly dir: string;
  readonly path: string;
  cleanup(): void;
}

export function tempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'audit-'));
  return { dir, path: join(dir, 'audit.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function openOutbox(path: string, options: Partial<AuditOutboxOptions> = {}): AuditOutbox {
  return new AuditOutbox({ path, ...options });
}

/** Events for request `i`, touching the given patients (one event each). */
export function eventsFor(i: number, patients: string[] = [`pat-${String(i % 7).padStart(3, '0')}`]): AuditEvent[] {
  return createAuditEvents(auditRecord({ requestId: `req-${i}`, patients }), { ...factoryOptions, now: () => new Date() });
}
