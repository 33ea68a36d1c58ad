/**
 * The audit writer thread: a record's promise resolves only once its events are in the store (another
 * connection sees them), concurrent records are all kept in one valid chain, and the writer's refusals
 * (outbox full), its death and its silence (a hung disk) reach the caller as AuditUnavailableError, never as a
 * silent success.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecord } from '../../test/audit/audit-fixtures.js';
import { tempStore, type TempStore } from '../../test/audit/audit-store-helpers.js';
import { freePort } from '../../test/support/free-port.js';
import { AuditUnavailableError } from './audit-unavailable.error.js';
import { verifyAuditStore } from './audit-verify.js';
import { AuditWriter, type AuditWriterTuning } from './audit-writer.js';
import type { AuditWriterOptions } from './audit-writer.protocol.js';

const stores: TempStore[] = [];
const writers: AuditWriter[] = [];
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.drain(500)));
  for (const s of stores.splice(0)) s.cleanup();
});

function writerFor(overrides: Partial<AuditWriterOptions> = {}, tuning: AuditWriterTuning = {}): { writer: AuditWriter; path: string } {
  const store = tempStore();
  stores.push(store);
  const writer = new AuditWriter(
    {
      storePath: store.path,
      maxPendingEvents: 1_000,
      shipMaxBackoffMs: 100,
      shipperLingerMs: 0,
      observer: 'fhir-facade',
      ...overrides,
    },
    {},
    tuning,
  );
  writers.push(writer);
  return { writer, path: store.path };
}

function requestIdsIn(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    type Entity = { what?: { identifier?: { value?: string } }; type?: { code?: string } };
    return (db.prepare('SELECT body FROM audit_event ORDER BY seq').all() as Array<{ body: string }>).map(
      (r) => (JSON.parse(r.body) as { entity?: Entity[] }).entity?.find((e) => e.type?.code === 'XrequestId')?.what?.identifier?.value ?? '',
    );
  } finally {
    db.close();
  }
}

describe('AuditWriter', () => {
  it('resolves a record only once its event is committed to the store', async () => {
    const { writer, path } = writerFor();
    await writer.record(auditRecord({ requestId: 'req-durable', patients: ['pat-001'] }));
    expect(requestIdsIn(path)).toContain('req-durable');
  });

  it('keeps every one of many concurrent records, in one chain that verifies', async () => {
    const { writer, path } = writerFor();
    const ids = Array.from({ length: 300 }, (_, i) => `req-${i}`);
    await Promise.all(ids.map((requestId, i) => writer.record(auditRecord({ requestId, patients: [`pat-00${i % 5}`] }))));
    expect(new Set(requestIdsIn(path))).toEqual(new Set(ids));
    expect(verifyAuditStore(path)).toMatchObject({ status: 'intact', count: 300 });
  });

  it('never resolves a record it lost: a writer that dies with a batch in hand refuses it, and a new writer continues the chain', async () => {
    const { writer, path } = writerFor();
    await writer.record(auditRecord({ requestId: 'req-first', patients: ['pat-001'] }));
    // Fault injection: the thread is stopped just as it is handed a batch (the first record); the records after it
    // wait, and go to whichever writer comes next.
    const dying = (writer as unknown as { worker: Worker }).worker.terminate();
    const ids = Array.from({ length: 200 }, (_, i) => `req-${i}`);
    const outcomes = ids.map((requestId) =>
      writer.record(auditRecord({ requestId, patients: ['pat-002'] })).then(
        () => ({ requestId, stored: true as const }),
        (err: unknown) => ({ requestId, stored: false as const, err }),
      ),
    );
    await dying;
    const settled = await Promise.all(outcomes);

    const inStore = new Set(requestIdsIn(path));
    for (const o of settled) {
      if (o.stored) expect(inStore.has(o.requestId), `${o.requestId} resolved but is not in the store`).toBe(true);
      else expect(o.err).toBeInstanceOf(AuditUnavailableError);
    }
    expect(settled.some((o) => !o.stored)).toBe(true); // the batch the dead writer held
    await writer.record(auditRecord({ requestId: 'req-after', patients: ['pat-001'] }));
    expect(requestIdsIn(path)).toContain('req-after');
    expect(verifyAuditStore(path)).toMatchObject({ status: 'intact', count: inStore.size + 1 });
  });

  it('refuses what a hung writer holds once it has not acknowledged in time, and goes on with a new writer', async () => {
    // Shorter than the writer's own 2 s wait for a locked store, long enough for a healthy commit on a busy machine.
    const { writer, path } = writerFor({}, { ackTimeoutMs: 1_500 });
    await expect.poll(() => writer.state.writable, { timeout: 10_000 }).toBe(true);
    await writer.record(auditRecord({ requestId: 'req-first', patients: ['pat-001'] }));
    // A hung disk, as the writer sees one: another connection holds the store's write lock, so the writer's commit
    // blocks (in SQLite's busy wait, 2 s) and no acknowledgement comes.
    const blocker = new DatabaseSync(path, { timeout: 2_000 }); // waits its turn behind the writer's shipper
    blocker.exec('BEGIN IMMEDIATE');
    try {
      const refused = await writer.record(auditRecord({ requestId: 'req-hung', patients: ['pat-001'] })).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(AuditUnavailableError);
      expect((refused as AuditUnavailableError).message).toBe('audit writer did not acknowledge in time');
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    await writer.record(auditRecord({ requestId: 'req-after', patients: ['pat-001'] }));
    expect(requestIdsIn(path)).toEqual(expect.arrayContaining(['req-first', 'req-after']));
    // Whatever the stopped writer did with its batch once the lock went (refused, perhaps stored: never the
    // reverse), the store is one intact chain.
    expect(verifyAuditStore(path)).toMatchObject({ status: 'intact' });
  });

  it('refuses with reason "full" when undelivered events would exceed the bound, and reports its state', async () => {
    // Event Hubs that never answers: nothing is delivered, so the outbox fills up.
    const port = await freePort();
    const { writer } = writerFor({
      maxPendingEvents: 3,
      eventHubConnectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=x;SharedAccessKey=y;EntityPath=audit;UseDevelopmentEmulator=true`,
    });
    for (let i = 0; i < 3; i++) await writer.record(auditRecord({ requestId: `req-${i}`, patients: ['pat-001'] }));
    const refused = await writer.record(auditRecord({ requestId: 'req-over', patients: ['pat-001'] })).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AuditUnavailableError);
    expect((refused as AuditUnavailableError).reason).toBe('full');
    await expect.poll(() => writer.state.pending).toBe(3);
    expect(writer.state.writable).toBe(true);
  });

  it('refuses with reason "unwritable" when the store cannot be opened, and says so', async () => {
    const scratch = tempStore();
    stores.push(scratch);
    writeFileSync(scratch.path, 'not a directory');
    const { writer } = writerFor({ storePath: join(scratch.path, 'audit.sqlite') }); // under a regular file: never writable
    const refused = await writer.record(auditRecord({ requestId: 'req-x', patients: ['pat-001'] })).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AuditUnavailableError);
    expect((refused as AuditUnavailableError).reason).toBe('unwritable');
    expect(writer.state.writable).toBe(false);
  });

  it('refuses records after it has been drained (never a silent success)', async () => {
    const { writer } = writerFor();
    await writer.record(auditRecord({ requestId: 'req-before', patients: ['pat-001'] }));
    expect(await writer.drain(1_000)).toBe(0);
    await expect(writer.record(auditRecord({ requestId: 'req-after', patients: ['pat-001'] }))).rejects.toBeInstanceOf(AuditUnavailableError);
  });
});
