/**
 * The request thread's side of the audit writer (audit-writer.worker.ts). `record` resolves once the record's
 * events are committed in the outbox, and rejects with AuditUnavailableError when they cannot be.
 *
 * Group commit: one batch is in the writer at a time; the records arriving meanwhile wait and go together in
 * the next one, so under load one transaction (one fsync) covers many requests, and a lone request waits only
 * for its own commit. If the writer thread dies, what it had not acknowledged is refused (never assumed
 * written) and the next record starts a new writer on the same store, which continues the hash chain. A writer
 * that does not acknowledge within ACK_TIMEOUT_MS (a hung disk) is treated the same way: refused, restarted.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { AuditRecord } from './audit-record.js';
import { AuditUnavailableError } from './audit-unavailable.error.js';
import type { AuditOutboxState, AuditWriterOptions, FromWriter } from './audit-writer.protocol.js';

const ACK_TIMEOUT_MS = 10_000;

interface Waiting {
  readonly record: AuditRecord;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export interface AuditWriterTuning {
  /** How long a batch may stay unacknowledged before the writer is taken for hung. Default ACK_TIMEOUT_MS. */
  readonly ackTimeoutMs?: number;
}

export interface AuditWriterEvents {
  /** A delivery attempt to the sink failed (never carries the batch). */
  readonly onShipFailure?: (attempt: number) => void;
}

export class AuditWriter {
  private worker?: Worker;
  private queued: Waiting[] = [];
  private inFlight?: { readonly id: number; readonly batch: readonly Waiting[]; readonly timer: NodeJS.Timeout };
  private nextId = 1;
  private closed = false;
  private drained?: (pending: number) => void;
  /** Not writable until the writer has opened the store and said so. */
  private current: AuditOutboxState = { writable: false, pending: 0, shipFailures: 0 };

  constructor(
    private readonly options: AuditWriterOptions,
    private readonly events: AuditWriterEvents = {},
    private readonly tuning: AuditWriterTuning = {},
  ) {
    this.worker = this.spawn();
  }

  /** The outbox as last reported by the writer (metrics, readiness). */
  get state(): AuditOutboxState {
    return this.worker ? this.current : { ...this.current, writable: false };
  }

  record(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new AuditUnavailableError('unwritable', 'audit writer is closed'));
      this.queued.push({ record, resolve, reject });
      // An idle writer takes the record at once; while it commits, the next records gather for one batch.
      if (!this.inFlight) this.flush();
    });
  }

  /** Ships what is pending until `deadlineMs`, then stops the writer. Resolves with what is left undelivered. */
  async drain(deadlineMs: number): Promise<number> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return this.current.pending;
    let timer: NodeJS.Timeout | undefined;
    const left = new Promise<number>((resolve) => {
      this.drained = resolve;
      worker.once('exit', () => resolve(this.current.pending));
      // A writer stuck in a system call may not even stop when terminated: shutdown does not wait for it.
      timer = setTimeout(() => {
        void worker.terminate();
        resolve(this.current.pending);
      }, deadlineMs + 2_000);
    });
    worker.postMessage({ type: 'drain', deadlineMs });
    try {
      return await left;
    } finally {
      clearTimeout(timer);
    }
  }

  private flush(): void {
    if (this.inFlight || this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    this.worker ??= this.closed ? undefined : this.spawn();
    if (!this.worker) return refuse(batch, 'audit writer is closed');
    const id = this.nextId++;
    const worker = this.worker;
    const timer = setTimeout(() => {
      if (this.inFlight?.id !== id) return;
      this.inFlight = undefined;
      refuse(batch, 'audit writer did not acknowledge in time');
      // Given up on, even if it never stops (a thread stuck in a system call ignores terminate): the next
      // batch goes to a new writer.
      if (this.worker === worker) this.worker = undefined;
      void worker.terminate();
      this.flush();
    }, this.tuning.ackTimeoutMs ?? ACK_TIMEOUT_MS);
    this.inFlight = { id, batch, timer };
    try {
      worker.postMessage({ type: 'record', id, records: batch.map((w) => w.record) });
    } catch {
      clearTimeout(timer);
      this.inFlight = undefined;
      refuse(batch, 'audit record could not be handed to the writer');
    }
  }

  private onMessage(message: FromWriter): void {
    switch (message.type) {
      case 'recorded': {
        const done = this.inFlight;
        if (!done || done.id !== message.id) return;
        clearTimeout(done.timer);
        this.inFlight = undefined;
        this.current = { ...this.current, writable: message.writable, pending: message.pending };
        if (message.error) refuse(done.batch, message.error.message, message.error.reason);
        else for (const w of done.batch) w.resolve();
        this.flush();
        return;
      }
      case 'state':
        this.current = message.state;
        return;
      case 'ship-failed':
        this.events.onShipFailure?.(message.attempt);
        return;
      case 'drained':
        this.current = { ...this.current, pending: message.pending };
        this.drained?.(message.pending);
    }
  }

  private onExit(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const lost = this.inFlight;
    this.inFlight = undefined;
    if (lost) {
      clearTimeout(lost.timer);
      refuse(lost.batch, 'audit writer stopped before acknowledging');
    }
    if (this.queued.length && !this.closed) this.flush();
    else if (this.closed) refuse(this.queued.splice(0), 'audit writer is closed');
  }

  private spawn(): Worker {
    const worker = startWriterThread(this.options);
    worker.on('message', (m: FromWriter) => this.onMessage(m));
    worker.on('error', () => undefined); // followed by 'exit'; the error may quote a path, never logged here
    worker.on('exit', () => this.onExit(worker));
    return worker;
  }
}

function refuse(batch: readonly Waiting[], message: string, reason: 'full' | 'unwritable' = 'unwritable'): void {
  for (const w of batch) w.reject(new AuditUnavailableError(reason, message));
}

/**
 * The compiled worker (`dist/`); when the service itself runs from the TypeScript sources (the test runner),
 * Node strips the worker's types and a resolve hook maps its `.js` imports to the `.ts` files.
 */
function startWriterThread(workerData: AuditWriterOptions): Worker {
  const compiled = new URL('./audit-writer.worker.js', import.meta.url);
  if (existsSync(compiled)) return new Worker(compiled, { workerData });
  return new Worker(new URL('./audit-writer.worker.ts', import.meta.url), {
    workerData,
    execArgv: ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', '--import', TS_SOURCE_HOOKS],
  });
}

const TS_SOURCE_HOOKS =
  'data:text/javascript,' +
  encodeURIComponent(
    `import { registerHooks } from 'node:module';
registerHooks({ resolve(specifier, context, next) {
  try { return next(specifier, context); } catch (err) {
    if (/^\\.{1,2}\\/.*\\.js$/.test(specifier)) return next(specifier.slice(0, -3) + '.ts', context);
    throw err;
  }
} });`,
  );
