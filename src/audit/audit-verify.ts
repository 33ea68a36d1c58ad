/**
 * Tamper evidence for the audit store (HIPAA §164.312(c)(1) integrity): walks the SHA-256 chain in append order
 * and reports the first altered, deleted or reordered event, or "intact" with the count.
 *
 * - altered: a row's hash is not sha256(prev_hash + body), or its id columns disagree with its body, or it was
 *   rewritten with a recomputed hash (the next row no longer follows it);
 * - deleted: a row's prev_hash is not the previous row's hash and its predecessor is nowhere in the store
 *   (a gap in `seq`), or rows are missing after the last one (`audit_meta.head_seq`);
 * - reordered: a row's prev_hash is not the previous row's hash but the previous row's true successor is
 *   elsewhere in the store.
 *
 * The chain proves the store is internally consistent; someone able to rewrite the whole file can rebuild it,
 * which is why the events (with their hashes) are also shipped off-host to Event Hubs / immutable storage.
 *
 * @see https://www.hhs.gov/hipaa/for-professionals/security/laws-regulations/index.html
 */
import { DatabaseSync } from 'node:sqlite';
import type { AuditEvent } from '@medplum/fhirtypes';
import { NO_PATIENT_PARTITION, patientOf } from './audit-event.factory.js';
import { chainHash, GENESIS_HASH } from './audit-hash.js';

export type TamperKind = 'altered' | 'deleted' | 'reordered';

export type AuditVerifyResult =
  | { readonly status: 'intact'; readonly count: number; readonly headHash: string }
  | {
      readonly status: 'tampered';
      readonly kind: TamperKind;
      /** `seq` of the first row found wrong (for a tail deletion: the first missing seq). */
      readonly seq: number;
      readonly eventId?: string;
      /** Rows checked and found good before the problem. */
      readonly verified: number;
      readonly detail: string;
    };

interface Row {
  seq: number;
  event_id: string;
  partition_key: string;
  patient_id: string | null;
  body: string;
  prev_hash: string;
  hash: string;
}

/** Verifies the store at `path` (opened read-only). Throws if it cannot be opened. */
export function verifyAuditStore(path: string): AuditVerifyResult {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return verifyAuditChain(db);
  } finally {
    db.close();
  }
}

/** Verifies the chain on an open connection, in one read transaction (a consistent snapshot of a live store). */
export function verifyAuditChain(db: DatabaseSync): AuditVerifyResult {
  db.exec('BEGIN');
  try {
    return walk(db);
  } finally {
    db.exec('COMMIT');
  }
}

function walk(db: DatabaseSync): AuditVerifyResult {
  const rows = db
    .prepare('SELECT seq, event_id, partition_key, patient_id, body, prev_hash, hash FROM audit_event ORDER BY seq')
    .iterate() as Iterable<Row>;
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  let count = 0;
  const tampered = (kind: TamperKind, row: Pick<Row, 'seq'> & Partial<Row>, detail: string, verified = count): AuditVerifyResult => ({
    status: 'tampered',
    kind,
    seq: row.seq,
    ...(row.event_id ? { eventId: row.event_id } : {}),
    verified,
    detail,
  });
  for (const row of rows) {
    const problem = rowProblem(row);
    if (problem) return tampered('altered', row, problem);
    if (row.prev_hash !== prevHash) {
      const successor = db.prepare('SELECT seq FROM audit_event WHERE prev_hash = ? LIMIT 1').get(prevHash) as { seq: number } | undefined;
      if (successor) {
        return tampered('reordered', row, `event at seq ${row.seq} does not follow seq ${prevSeq}; its successor is at seq ${successor.seq}`);
      }
      if (row.seq > prevSeq + 1) {
        return tampered('deleted', row, `event(s) before seq ${row.seq} deleted (seq ${prevSeq + 1}..${row.seq - 1} missing)`);
      }
      // No gap and no displaced successor: the previous row was rewritten with a recomputed hash.
      return tampered('altered', { seq: prevSeq }, `event at seq ${prevSeq} rewritten (seq ${row.seq} expected another hash)`, count - 1);
    }
    prevHash = row.hash;
    prevSeq = row.seq;
    count += 1;
  }
  const meta = Object.fromEntries(
    (db.prepare("SELECT key, value FROM audit_meta WHERE key IN ('head_seq', 'head_hash')").all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]),
  );
  const headSeq = meta['head_seq'] ? Number(meta['head_seq']) : 0;
  if (headSeq > prevSeq) return tampered('deleted', { seq: prevSeq + 1 }, `events after seq ${prevSeq} deleted (head was seq ${headSeq})`);
  if (headSeq === prevSeq && count > 0 && meta['head_hash'] !== prevHash) {
    return tampered('altered', { seq: prevSeq }, `last event does not match the recorded head`);
  }
  return { status: 'intact', count, headHash: prevHash };
}

/** Why a row is not self-consistent, or undefined. */
function rowProblem(row: Row): string | undefined {
  if (chainHash(row.prev_hash, row.body) !== row.hash) return `event at seq ${row.seq} altered (hash mismatch)`;
  let event: AuditEvent;
  try {
    event = JSON.parse(row.body) as AuditEvent;
  } catch {
    return `event at seq ${row.seq} altered (body is not JSON)`;
  }
  if (event.id !== row.event_id) return `event at seq ${row.seq} altered (event_id column differs from body)`;
  const patient = patientOf(event) ?? null;
  if (row.patient_id !== patient || row.partition_key !== (patient ?? NO_PATIENT_PARTITION)) {
    return `event at seq ${row.seq} altered (patient columns differ from body)`;
  }
  return undefined;
}
