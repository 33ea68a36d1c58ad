/**
 * The durable audit outbox: every AuditEvent is written here, synchronously, before the response is released;
 * the shipper then delivers it to Event Hubs and marks it delivered. Delivered rows are kept: in the local
 * profile this store *is* the audit trail, and in every profile it is the tamper-evident local copy.
 *
 * Durability: WAL journal with `synchronous=FULL` by default. In WAL mode NORMAL already survives a process
 * crash (SIGKILL), but may lose the last commits on power loss or an OS crash; FULL syncs the WAL on every
 * commit, so an event is on disk when `append` returns. An audit trail is the one place where that fsync per
 * request is worth paying (see `bench/audit-results.json` for its cost); NORMAL is available for hosts whose
 * disk is already replicated and battery-backed.
 *
 * One process writes a store (the service instance that owns it); other processes (the CLIs) only read.
 *
 * @see https://www.sqlite.org/wal.html
 * @see https://www.sqlite.org/pragma.html#pragma_synchronous
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { AuditEvent } from '@medplum/fhirtypes';
import { NO_PATIENT_PARTITION, patientOf } from './audit-event.factory.js';
import { canonicalJson, chainHash, GENESIS_HASH } from './audit-hash.js';
import { AuditUnavailableError } from './audit-unavailable.error.js';
import { createSchema } from './audit-store.schema.js';

export interface AuditOutboxOptions {
  /** SQLite file path (parent directories are created). */
  readonly path: string;
  /** Most undelivered events kept; beyond it `append` throws `AuditUnavailableError('full')`. Default 100 000. */
  readonly maxPendingRows?: number;
  /** `FULL` (default) or `NORMAL`; see the module comment. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for a lock held by another connection before failing. Default 2 000 ms. */
  readonly busyTimeoutMs?: number;
  /** Clock in epoch milliseconds (tests). */
  readonly now?: () => number;
}

/** An undelivered event as the shipper sees it. `body` is the canonical JSON exactly as stored and hashed. */
export interface PendingAuditEvent {
  readonly seq: number;
  readonly id: string;
  readonly partitionKey: string;
  readonly body: string;
  readonly hash: string;
}

interface Statements {
  head: StatementSync;
  insert: StatementSync;
  setMeta: StatementSync;
  pending: StatementSync;
  markDelivered: StatementSync;
  pendingCount: StatementSync;
  oldestPending: StatementSync;
}

export class AuditOutbox {
  private db?: DatabaseSync;
  private stmts?: Statements;
  private pendingRows = 0;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly maxPendingRows: number;
  private readonly now: () => number;

  constructor(private readonly options: AuditOutboxOptions) {
    this.maxPendingRows = options.maxPendingRows ?? 100_000;
    this.now = options.now ?? Date.now;
    this.tryOpen();
  }

  get path(): string {
    return this.options.path;
  }

  /** False when the store could not be opened (the next `append` retries and throws if it still cannot). */
  get writable(): boolean {
    return this.db !== undefined;
  }

  /**
   * Appends the events of one request in one transaction, chained to the last stored event. Returns once the
   * transaction is committed (and, with `synchronous=FULL`, on disk). All or nothing.
   * @throws AuditUnavailableError `full` when undelivered events would exceed `maxPendingRows`; `unwritable`
   *   when the store cannot be opened or written (disk full, read-only, locked past the busy timeout).
   */
  append(events: readonly AuditEvent[]): void {
    if (events.length === 0) return;
    const { db, stmts } = this.openOrThrow();
    if (this.pendingRows + events.length > this.maxPendingRows) {
      throw new AuditUnavailableError('full', `audit outbox full (${this.pendingRows} undelivered events)`);
    }
    const appendedAt = this.now();
    try {
      db.exec('BEGIN IMMEDIATE');
      try {
        const head = stmts.head.get() as { seq: number; hash: string } | undefined;
        let prevHash = head?.hash ?? GENESIS_HASH;
        let seq = head?.seq ?? 0;
        for (const event of events) {
          if (!event.id) throw new TypeError('AuditEvent.id is required');
          const body = canonicalJson(event);
          const hash = chainHash(prevHash, body);
          const patient = patientOf(event);
          const res = stmts.insert.run(event.id, patient ?? NO_PATIENT_PARTITION, patient ?? null, event.recorded ?? new Date(appendedAt).toISOString(), appendedAt, body, prevHash, hash);
          seq = Number(res.lastInsertRowid);
          prevHash = hash;
        }
        stmts.setMeta.run('head_seq', String(seq));
        stmts.setMeta.run('head_hash', prevHash);
        db.exec('COMMIT');
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      if (err instanceof TypeError) throw err;
      throw new AuditUnavailableError('unwritable', 'audit outbox could not be written', { cause: err });
    }
    this.pendingRows += events.length;
    for (const listener of this.listeners) listener();
  }

  /** Oldest undelivered events first, at most `limit`. */
  pending(limit: number): PendingAuditEvent[] {
    const { stmts } = this.openOrThrow();
    return (stmts.pending.all(limit) as Array<{ seq: number; event_id: string; partition_key: string; body: string; hash: string }>).map(
      (r) => ({ seq: r.seq, id: r.event_id, partitionKey: r.partition_key, body: r.body, hash: r.hash }),
    );
  }

  /** Marks events delivered (by `seq`), in one transaction. Idempotent. */
  markDelivered(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    const { db, stmts } = this.openOrThrow();
    const at = this.now();
    let changed = 0;
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const seq of seqs) changed += Number(stmts.markDelivered.run(at, seq).changes);
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
    this.pendingRows = Math.max(0, this.pendingRows - changed);
  }

  /** Undelivered events (metric: outbox depth). */
  pendingCount(): number {
    return this.pendingRows;
  }

  /** Age in milliseconds of the oldest undelivered event, 0 when none (metric). */
  oldestPendingAgeMs(): number {
    if (!this.stmts) return 0;
    const row = this.stmts.oldestPending.get() as { appended_at: number } | undefined;
    return row ? Math.max(0, this.now() - row.appended_at) : 0;
  }

  /** Called after each committed append (the shipper uses it to wake up). Returns an unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The open connection, for read-only queries in this module's siblings (`accessLogForPatient`). @internal */
  get database(): DatabaseSync | undefined {
    return this.db;
  }

  /** Closes the store; later calls throw `AuditUnavailableError('unwritable')`. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
    if (this.db?.isOpen) this.db.close();
    this.db = undefined;
    this.stmts = undefined;
  }

  private openOrThrow(): { db: DatabaseSync; stmts: Statements } {
    if (this.closed) throw new AuditUnavailableError('unwritable', 'audit outbox is closed');
    if (!this.db || !this.stmts) this.tryOpen();
    if (!this.db || !this.stmts) throw new AuditUnavailableError('unwritable', 'audit outbox cannot be opened');
    return { db: this.db, stmts: this.stmts };
  }

  private tryOpen(): void {
    let db: DatabaseSync | undefined;
    try {
      if (this.options.path !== ':memory:') mkdirSync(dirname(this.options.path), { recursive: true });
      db = new DatabaseSync(this.options.path, { timeout: this.options.busyTimeoutMs ?? 2_000 });
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${this.options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
      createSchema(db);
      this.stmts = {
        head: db.prepare('SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1'),
        insert: db.prepare(
          `INSERT INTO audit_event (event_id, partition_key, patient_id, recorded_at, appended_at, body, prev_hash, hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ),
        setMeta: db.prepare('INSERT INTO audit_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
        pending: db.prepare('SELECT seq, event_id, partition_key, body, hash FROM audit_event WHERE delivered_at IS NULL ORDER BY seq LIMIT ?'),
        markDelivered: db.prepare('UPDATE audit_event SET delivered_at = ? WHERE seq = ? AND delivered_at IS NULL'),
        pendingCount: db.prepare('SELECT count(*) AS n FROM audit_event WHERE delivered_at IS NULL'),
        oldestPending: db.prepare('SELECT appended_at FROM audit_event WHERE delivered_at IS NULL ORDER BY seq LIMIT 1'),
      };
      this.pendingRows = Number((this.stmts.pendingCount.get() as { n: number }).n);
      this.db = db;
    } catch {
      // Not writable now: `append` retries the open and throws AuditUnavailableError if it still fails.
      if (db?.isOpen) db.close();
      this.db = undefined;
      this.stmts = undefined;
    }
  }
}
