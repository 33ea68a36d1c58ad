import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsFor, openOutbox, tempStore, type TempStore } from '../../test/audit/audit-store-helpers.js';
import { runAuditVerify } from './audit-verify.command.js';
import { verifyAuditStore } from './audit-verify.js';

/** Edits the store the way an attacker with the file would: triggers dropped, rows changed directly. */
function tamper(path: string, sql: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec('DROP TRIGGER IF EXISTS audit_event_no_delete; DROP TRIGGER IF EXISTS audit_event_no_update;');
    db.exec(sql);
  } finally {
    db.close();
  }
}

describe('audit-verify (tamper evidence)', () => {
  let store: TempStore;
  beforeEach(() => {
    store = tempStore();
    const outbox = openOutbox(store.path);
    for (let i = 1; i <= 10; i++) outbox.append(eventsFor(i));
    outbox.markDelivered([1, 2, 3]);
    outbox.close();
  });
  afterEach(() => store.cleanup());

  it('an untouched store is intact, with its event count', () => {
    expect(verifyAuditStore(store.path)).toMatchObject({ status: 'intact', count: 10 });
  });

  it('marking events delivered does not break the chain', () => {
    expect(verifyAuditStore(store.path).status).toBe('intact');
  });

  it('an edited event is reported as altered at its seq', () => {
    tamper(store.path, `UPDATE audit_event SET body = replace(body, '"outcome":"0"', '"outcome":"4"') WHERE seq = 4`);
    expect(verifyAuditStore(store.path)).toMatchObject({ status: 'tampered', kind: 'altered', seq: 4, verified: 3 });
  });

  it('an edited event with its own hash recomputed is still caught: the next event no longer follows it', () => {
    const db = new DatabaseSync(store.path);
    const row = db.prepare('SELECT prev_hash, body FROM audit_event WHERE seq = 4').get() as { prev_hash: string; body: string };
    db.close();
    const body = row.body.replace('"outcome":"0"', '"outcome":"4"');
    const hash = createHash('sha256').update(row.prev_hash).update(body).digest('hex');
    tamper(store.path, `UPDATE audit_event SET body = '${body.replaceAll("'", "''")}', hash = '${hash}' WHERE seq = 4`);
    expect(verifyAuditStore(store.path)).toMatchObject({ status: 'tampered', kind: 'altered', seq: 4, verified: 3 });
  });

  it('a deleted event is reported as deleted where the gap is', () => {
    tamper(store.path, 'DELETE FROM audit_event WHERE seq = 6');
    expect(verifyAuditStore(store.path)).toMatchObject({ status: 'tampered', kind: 'deleted', seq: 7, verified: 5 });
  });

  it('deleting the last events is caught by the recorded head', () => {
    tamper(store.path, 'DELETE FROM audit_event WHERE seq >= 9');
    expect(verifyAuditStore(store.path)).toMatchObject({ status: 'tampered', kind: 'deleted', seq: 9, verified: 8 });
  });

  it('two swapped events are reported as reordered', () => {
    tamper(store.path, 'UPDATE audit_event SET seq = -1 WHERE seq = 3; UPDATE audit_event SET seq = 3 WHERE seq = 4; UPDATE audit_event SET seq = 4 WHERE seq = -1;');
    expect(verifyAuditStore(store.path)).toMatchObject({ status: 'tampered', kind: 'reordered', seq: 3, verified: 2 });
  });

  it('changing a row\'s patient column (not the body) is reported as altered', () => {
    tamper(store.path, `UPDATE audit_event SET patient_id = 'someone-else', partition_key = 'someone-else' WHERE seq = 2`);
    expect(verifyAuditStore(store.path)).toMatchObject({ status: 'tampered', kind: 'altered', seq: 2 });
  });

  it('the command exits 0 when intact, 1 when tampered, 2 when there is no store', () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(runAuditVerify(['--store', store.path], io)).toBe(0);
    expect(out.at(-1)).toMatch(/^intact: 10 events/);
    tamper(store.path, 'DELETE FROM audit_event WHERE seq = 2');
    expect(runAuditVerify(['--store', store.path], io)).toBe(1);
    expect(out.at(-1)).toMatch(/^TAMPERED \(deleted\) at seq 3/);
    expect(runAuditVerify(['--store', `${store.dir}/missing.sqlite`], io)).toBe(2);
    expect(runAuditVerify(['--bogus'], io)).toBe(2);
  });
});
