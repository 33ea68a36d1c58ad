/**
 * Schema of the audit store (one SQLite file), shared by the outbox (writer) and the verify/trail readers.
 *
 * audit_event: one row per AuditEvent, in append order.
 *   seq            INTEGER PRIMARY KEY AUTOINCREMENT  append order; never reused, so a gap means a deletion
 *   event_id       TEXT UNIQUE   AuditEvent.id (UUID), sent as the Event Hubs message id for downstream dedupe
 *   partition_key  TEXT          patient id, or `_no-patient`
 *   patient_id     TEXT NULL     patient id (indexed for the accounting of disclosures)
 *   recorded_at    TEXT          AuditEvent.recorded (ISO 8601, UTC)
 *   appended_at    INTEGER       epoch ms when written here (oldest-pending age)
 *   body           TEXT          canonical JSON of the AuditEvent, hashed exactly as stored
 *   prev_hash      TEXT          hash of the previous row (64 zeros for the first)
 *   hash           TEXT          sha256(prev_hash || body), hex
 *   delivered_at   INTEGER NULL  epoch ms when the sink acknowledged it; NULL while pending
 * audit_meta: key/value; `schema_version`, `head_seq` and `head_hash` (the last appended row, updated in the
 *   same transaction, so that removing rows from the end is detected too).
 *
 * Triggers make rows append-only for this application (only delivered_at may change). They stop mistakes,
 * not an attacker with the file: that is what the hash chain and the off-host copy in Event Hubs are for.
 */
import type { DatabaseSync } from 'node:sqlite';

export const AUDIT_SCHEMA_VERSION = '1';

export function createSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS audit_event (
      seq           INTEGER PRIMARY KEY AUTOINCREMENT,
      event_id      TEXT    NOT NULL UNIQUE,
      partition_key TEXT    NOT NULL,
      patient_id    TEXT,
      recorded_at   TEXT    NOT NULL,
      appended_at   INTEGER NOT NULL,
      body          TEXT    NOT NULL,
      prev_hash     TEXT    NOT NULL,
      hash          TEXT    NOT NULL,
      delivered_at  INTEGER
    );
    CREATE INDEX IF NOT EXISTS audit_event_pending ON audit_event (seq) WHERE delivered_at IS NULL;
    CREATE INDEX IF NOT EXISTS audit_event_patient ON audit_event (patient_id, recorded_at);
    CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT OR IGNORE INTO audit_meta (key, value) VALUES ('schema_version', '${AUDIT_SCHEMA_VERSION}');
    CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
      BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    CREATE TRIGGER IF NOT EXISTS audit_event_no_update
      BEFORE UPDATE OF seq, event_id, partition_key, patient_id, recorded_at, appended_at, body, prev_hash, hash ON audit_event
      BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
  `);
}
