import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditRecord, factoryOptions, practitioner } from '../../test/audit/audit-fixtures.js';
import { tempStore, type TempStore } from '../../test/audit/audit-store-helpers.js';
import { createAuditEvents } from './audit-event.factory.js';
import { AuditOutbox } from './audit-outbox.js';
import type { AuditRecord } from './audit-record.js';
import { runAuditTrail } from './audit-trail.command.js';
import { accessLogForPatient } from './audit-trail.js';

describe('local audit trail (accounting of disclosures)', () => {
  let store: TempStore;
  let outbox: AuditOutbox;
  const at = (iso: string, record: Partial<AuditRecord>) =>
    outbox.append(createAuditEvents(auditRecord(record), { ...factoryOptions, now: () => new Date(iso) }));

  beforeEach(() => {
    store = tempStore();
    outbox = new AuditOutbox({ path: store.path });
    at('2026-11-01T08:00:00.000Z', { requestId: 'r1' });
    at('2026-11-02T09:00:00.000Z', { requestId: 'r2', interaction: 'search-type', resourceId: undefined, patients: ['pat-001', 'pat-002'] });
    at('2026-11-03T10:00:00.000Z', { requestId: 'r3', status: 403, outcomeText: 'denied by rule patient-compartment' });
    at('2026-11-04T11:00:00.000Z', { requestId: 'r4', breakGlassReason: 'ED trauma', fullSsnDisclosed: true, resourceType: 'Patient', resourceId: 'pat-001' });
    at('2026-11-05T12:00:00.000Z', { requestId: 'r5', patients: ['pat-002'] });
  });
  afterEach(() => {
    outbox.close();
    store.cleanup();
  });

  it('lists who accessed a patient, when, how and with what outcome, oldest first, and nothing about other patients', () => {
    const log = accessLogForPatient(store.path, 'pat-001');
    expect(log.map((e) => e.requestId)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(log[0]).toMatchObject({
      recorded: '2026-11-01T08:00:00.000Z',
      who: practitioner.fhirUser,
      clientId: practitioner.clientId,
      interaction: 'read',
      action: 'R',
      resourceType: 'Observation',
      resource: 'Observation/obs-1',
      outcome: '0',
      statusCode: 200,
      breakGlass: false,
      fullSsnDisclosed: false,
    });
    expect(log[1]).toMatchObject({ interaction: 'search-type', action: 'E', resourceType: 'Observation' });
    expect(log[2]).toMatchObject({ outcome: '4', outcomeDesc: 'denied by rule patient-compartment', statusCode: 403 });
    expect(log[3]).toMatchObject({ breakGlass: true, breakGlassReason: 'ED trauma', fullSsnDisclosed: true, resource: 'Patient/pat-001' });
  });

  it('--since keeps only accesses recorded at or after that time; works on the open outbox too', () => {
    expect(accessLogForPatient(outbox, 'pat-001', '2026-11-03T10:00:00Z').map((e) => e.requestId)).toEqual(['r3', 'r4']);
    expect(() => accessLogForPatient(outbox, 'pat-001', 'yesterday-ish')).toThrow(RangeError);
  });

  it('an anonymous (401) access to a patient is listed as anonymous', () => {
    at('2026-11-06T00:00:00.000Z', { requestId: 'r6', principal: undefined, status: 401 });
    expect(accessLogForPatient(outbox, 'pat-001').at(-1)).toMatchObject({ who: 'anonymous', outcome: '4', statusCode: 401 });
  });

  it('the command prints one line per access and exits 0; without --patient it exits 2', () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(runAuditTrail(['--patient', 'pat-002', '--store', store.path], io)).toBe(0);
    expect(out[0]).toBe('Accesses to Patient/pat-002: 2');
    expect(out[1]).toContain('search-type Observation');
    expect(out[2]).toMatch(/^2026-11-05T12:00:00.000Z  Practitioner\/prac-01  via provider-dashboard  read Observation\/obs-1  success \(200\)$/);
    expect(runAuditTrail(['--store', store.path], io)).toBe(2);
  });
});
