import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsFor, openOutbox, tempStore, type TempStore } from '../../test/audit/audit-store-helpers.js';
import { canonicalJson, chainHash, GENESIS_HASH } from './audit-hash.js';
import { AuditOutbox } from './audit-outbox.js';
import { AuditUnavailableError } from './audit-unavailable.error.js';

describe('AuditOutbox', () => {
  let store: TempStore;
  let outbox: AuditOutbox;
  beforeEach(() => {
    store = tempStore();
    outbox = openOutbox(store.path);
  });
  afterEach(() => {
    outbox.close();
    store.cleanup();
  });

  const readRows = () => {
    const db = new DatabaseSync(store.path, { readOnly: true });
    try {
      return db.prepare('SELECT seq, event_id, partition_key, patient_id, body, prev_hash, hash, delivered_at FROM audit_event ORDER BY seq').all() as Array<Record<string, string | number | null>>;
    } finally {
      db.close();
    }
  };

  it('an appended event is committed to the file when append returns (another connection sees it)', () => {
    const events = eventsFor(1, ['pat-001', 'pat-002']);
    outbox.append(events);
    const rows = readRows();
    expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.id));
    expect(rows.map((r) => r.partition_key)).toEqual(['pat-001', 'pat-002']);
    expect(JSON.parse(String(rows[0]!.body))).toEqual(events[0]);
    expect(rows.every((r) => r.delivered_at === null)).toBe(true);
  });

  it('runs in WAL mode with synchronous=FULL by default', () => {
    const db = outbox.database!;
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 2 });
  });

  it('an event without a patient is partitioned under a constant key', () => {
    outbox.append(eventsFor(1, []));
    expect(readRows()[0]).toMatchObject({ partition_key: '_no-patient', patient_id: null });
  });

  it('chains every row: prev_hash is the previous hash and hash = sha256(prev_hash + canonical json)', () => {
    for (let i = 0; i < 5; i++) outbox.append(eventsFor(i));
    const rows = readRows();
    let prev = GENESIS_HASH;
    for (const row of rows) {
      expect(row.prev_hash).toBe(prev);
      expect(row.body).toBe(canonicalJson(JSON.parse(String(row.body))));
      expect(row.hash).toBe(chainHash(prev, String(row.body)));
      prev = String(row.hash);
    }
  });

  it('the chain continues across a reopen of the same store', () => {
    outbox.append(eventsFor(1));
    outbox.close();
    outbox = openOutbox(store.path);
    outbox.append(eventsFor(2));
    const [a, b] = readRows();
    expect(b!.prev_hash).toBe(a!.hash);
  });

  it('is bounded: beyond maxPendingRows undelivered events append throws AuditUnavailableError(full) and writes nothing', () => {
    outbox.close();
    outbox = openOutbox(store.path, { maxPendingRows: 3 });
    outbox.append(eventsFor(1, ['a', 'b']));
    const error = (() => {
      try {
        outbox.append(eventsFor(2, ['c', 'd']));
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(AuditUnavailableError);
    expect((error as AuditUnavailableError).reason).toBe('full');
    expect(readRows()).toHaveLength(2);
  });

  it('delivered events free room but are kept as the local trail', () => {
    outbox.close();
    outbox = openOutbox(store.path, { maxPendingRows: 2 });
    outbox.append(eventsFor(1, ['a', 'b']));
    outbox.markDelivered(outbox.pending(10).map((p) => p.seq));
    outbox.append(eventsFor(2, ['c', 'd']));
    expect(readRows()).toHaveLength(4);
    expect(outbox.pendingCount()).toBe(2);
  });

  it('an unwritable path gives AuditUnavailableError(unwritable) on append, not at construction', () => {
    const file = join(store.dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const broken = new AuditOutbox({ path: join(file, 'audit.sqlite') });
    expect(broken.writable).toBe(false);
    expect(() => broken.append(eventsFor(1))).toThrow(AuditUnavailableError);
    try {
      broken.append(eventsFor(1));
    } catch (err) {
      expect((err as AuditUnavailableError).reason).toBe('unwritable');
    }
  });

  it('a store locked by another writer past the busy timeout gives AuditUnavailableError(unwritable)', () => {
    outbox.close();
    outbox = openOutbox(store.path, { busyTimeoutMs: 50 });
    const other = new DatabaseSync(store.path);
    other.exec('BEGIN EXCLUSIVE');
    try {
      expect(() => outbox.append(eventsFor(1))).toThrow(expect.objectContaining({ name: 'AuditUnavailableError', reason: 'unwritable' }));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    outbox.append(eventsFor(2));
    expect(readRows()).toHaveLength(1);
  });

  it('exposes the pending count and the age of the oldest pending event for metrics', () => {
    let now = 1_000_000;
    outbox.close();
    outbox = openOutbox(store.path, { now: () => now });
    expect(outbox.pendingCount()).toBe(0);
    expect(outbox.oldestPendingAgeMs()).toBe(0);
    outbox.append(eventsFor(1));
    now += 5_000;
    outbox.append(eventsFor(2));
    now += 1_000;
    expect(outbox.pendingCount()).toBe(2);
    expect(outbox.oldestPendingAgeMs()).toBe(6_000);
    outbox.markDelivered([outbox.pending(1)[0]!.seq]);
    expect(outbox.pendingCount()).toBe(1);
    expect(outbox.oldestPendingAgeMs()).toBe(1_000);
  });

  it('pending() returns undelivered events oldest first; markDelivered is idempotent', () => {
    for (let i = 0; i < 4; i++) outbox.append(eventsFor(i));
    const first = outbox.pending(2);
    outbox.markDelivered(first.map((p) => p.seq));
    outbox.markDelivered(first.map((p) => p.seq));
    expect(outbox.pendingCount()).toBe(2);
    expect(outbox.pending(10).map((p) => p.seq)).toEqual([3, 4]);
  });

  it('rows are append-only for the application: updating a body or deleting a row is refused', () => {
    outbox.append(eventsFor(1));
    const db = outbox.database!;
    expect(() => db.exec("UPDATE audit_event SET body = '{}'")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit_event')).toThrow(/append-only/);
  });

  it('a closed outbox refuses appends', () => {
    outbox.close();
    expect(() => outbox.append(eventsFor(1))).toThrow(AuditUnavailableError);
  });
});
