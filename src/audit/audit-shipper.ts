/**
 * Ships undelivered events from the outbox to the sink, oldest first, in batches, and marks them delivered.
 * On failure it waits with exponential backoff and full jitter (capped) and sends the same batch again.
 * All state is in the outbox, so a restarted process resumes with the first undelivered event.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/ (full jitter)
 */
import type { AuditOutbox } from './audit-outbox.js';
import type { AuditSink } from './audit-sink.js';

export interface AuditShipperOptions {
  /** Events per `sink.send`. Default 200. */
  readonly batchSize?: number;
  /** First backoff step. Default 250 ms. */
  readonly baseBackoffMs?: number;
  /** Backoff cap. Default 30 000 ms. */
  readonly maxBackoffMs?: number;
  /** How often an idle shipper looks for events appended by another connection. Default 1 000 ms. */
  readonly idlePollMs?: number;
  /**
   * After a batch that was not full, wait this long before the next one, so that under load events are shipped
   * and marked delivered (one transaction, one fsync) in batches rather than once per request. Default 0.
   */
  readonly lingerMs?: number;
  /** Called on each failed send with the attempt number (for logs/metrics; never log the batch). */
  readonly onError?: (error: unknown, attempt: number) => void;
  /** Random source in [0, 1) for the jitter (tests). */
  readonly random?: () => number;
}

export interface DrainResult {
  /** True when nothing was left pending at the deadline. */
  readonly drained: boolean;
  readonly pending: number;
}

export class AuditShipper {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** Set by an append; checked before idling so that an append during a send is not missed. */
  private appended = false;
  private unsubscribe?: () => void;
  private failures = 0;
  private readonly batchSize: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly idlePollMs: number;
  private readonly lingerMs: number;
  private readonly random: () => number;

  constructor(
    private readonly outbox: AuditOutbox,
    private readonly sink: AuditSink,
    private readonly options: AuditShipperOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.baseBackoffMs = options.baseBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.idlePollMs = options.idlePollMs ?? 1_000;
    this.lingerMs = options.lingerMs ?? 0;
    this.random = options.random ?? Math.random;
  }

  /** Consecutive failed sends (0 when healthy): a readiness/alert signal. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.outbox.onAppend(() => {
      this.appended = true;
      this.wake?.();
    });
    this.loop = this.run();
  }

  /** Stops the loop after the send in flight (if any) settles; pending events stay in the outbox. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * Graceful shutdown (SIGTERM): keeps shipping until nothing is pending or `deadlineMs` has passed, then stops.
   * Whatever is left stays in the outbox and is shipped by the next start.
   */
  async drain(deadlineMs: number): Promise<DrainResult> {
    const until = Date.now() + deadlineMs;
    if (!this.running) this.start();
    while (this.outbox.pendingCount() > 0 && Date.now() < until) {
      this.wake?.();
      await sleep(Math.min(50, Math.max(0, until - Date.now())));
    }
    await Promise.race([this.stop(), sleep(Math.max(0, until - Date.now()))]);
    const pending = this.outbox.pendingCount();
    return { drained: pending === 0, pending };
  }

  /** Sends one batch; returns how many events were delivered (0 when none pending). Throws the sink's error. */
  async shipOnce(): Promise<number> {
    const batch = this.outbox.pending(this.batchSize);
    if (batch.length === 0) return 0;
    await this.sink.send(batch.map(({ id, partitionKey, body, hash }) => ({ id, partitionKey, body, hash })));
    this.outbox.markDelivered(batch.map((e) => e.seq));
    return batch.length;
  }

  /** Backoff before attempt `failures + 1`: full jitter over min(cap, base * 2^(failures-1)). */
  backoffMs(failures: number): number {
    const ceiling = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** Math.max(0, failures - 1));
    return Math.floor(this.random() * ceiling);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delivered = 0;
      this.appended = false;
      try {
        delivered = await this.shipOnce();
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        this.options.onError?.(err, this.failures);
        await this.pause(this.backoffMs(this.failures), false);
        continue;
      }
      if (delivered === 0 && !this.appended) await this.pause(this.idlePollMs, true);
      else if (this.lingerMs > 0 && delivered < this.batchSize) await this.pause(this.lingerMs, false);
    }
  }

  /** Sleeps `ms`; `stop()` always cuts it short, an append only when `wakeOnAppend` (not during backoff). */
  private pause(ms: number, wakeOnAppend: boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (wakeOnAppend || !this.running) done();
      };
    });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
