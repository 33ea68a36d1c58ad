import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsFor, openOutbox, tempStore, type TempStore } from '../../test/audit/audit-store-helpers.js';
import type { AuditOutbox } from './audit-outbox.js';
import { AuditShipper } from './audit-shipper.js';
import type { AuditSink, AuditSinkMessage } from './audit-sink.js';

/** A sink that records what it got and fails while `down` is set. */
class RecordingSink implements AuditSink {
  readonly sent: AuditSinkMessage[] = [];
  down = false;
  attempts = 0;
  async send(batch: readonly AuditSinkMessage[]): Promise<void> {
    this.attempts += 1;
    if (this.down) throw new Error('sink unavailable');
    this.sent.push(...batch);
  }
  async close(): Promise<void> {}
}

const until = async (predicate: () => boolean, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('AuditShipper', () => {
  let store: TempStore;
  let outbox: AuditOutbox;
  let sink: RecordingSink;
  beforeEach(() => {
    store = tempStore();
    outbox = openOutbox(store.path);
    sink = new RecordingSink();
  });
  afterEach(() => {
    outbox.close();
    store.cleanup();
  });

  it('ships pending events in append order, in batches, with id, partition key, canonical body and hash, then marks them delivered', async () => {
    for (let i = 0; i < 25; i++) outbox.append(eventsFor(i));
    const expected = outbox.pending(100);
    const shipper = new AuditShipper(outbox, sink, { batchSize: 10 });
    expect(await shipper.shipOnce()).toBe(10);
    expect(await shipper.shipOnce()).toBe(10);
    expect(await shipper.shipOnce()).toBe(5);
    expect(await shipper.shipOnce()).toBe(0);
    expect(sink.sent).toEqual(expected.map(({ id, partitionKey, body, hash }) => ({ id, partitionKey, body, hash })));
    expect(outbox.pendingCount()).toBe(0);
  });

  it('wakes up on append and delivers without waiting for the idle poll', async () => {
    const shipper = new AuditShipper(outbox, sink, { idlePollMs: 60_000 });
    shipper.start();
    outbox.append(eventsFor(1, ['a', 'b']));
    await until(() => outbox.pendingCount() === 0);
    expect(sink.sent.map((m) => m.partitionKey)).toEqual(['a', 'b']);
    await shipper.stop();
  });

  it('retries a failing sink with backoff and loses nothing once it recovers', async () => {
    const errors: number[] = [];
    const shipper = new AuditShipper(outbox, sink, { baseBackoffMs: 5, maxBackoffMs: 20, onError: (_e, n) => errors.push(n) });
    sink.down = true;
    shipper.start();
    for (let i = 0; i < 20; i++) outbox.append(eventsFor(i));
    await until(() => errors.length >= 3);
    expect(outbox.pendingCount()).toBe(20);
    expect(shipper.consecutiveFailures).toBeGreaterThanOrEqual(3);
    sink.down = false;
    await until(() => outbox.pendingCount() === 0);
    expect(new Set(sink.sent.map((m) => m.id)).size).toBe(20);
    expect(shipper.consecutiveFailures).toBe(0);
    await shipper.stop();
  });

  it('backoff is exponential with full jitter and capped', () => {
    const max = new AuditShipper(outbox, sink, { baseBackoffMs: 100, maxBackoffMs: 30_000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 10, 20].map((n) => max.backoffMs(n))).toEqual([99, 199, 399, 799, 29_999, 29_999]);
    const min = new AuditShipper(outbox, sink, { random: () => 0 });
    expect(min.backoffMs(5)).toBe(0);
  });

  it('a shipper stopped without draining leaves events pending; a new one on the same store delivers them', async () => {
    sink.down = true;
    const first = new AuditShipper(outbox, sink, { baseBackoffMs: 5, maxBackoffMs: 10 });
    first.start();
    for (let i = 0; i < 7; i++) outbox.append(eventsFor(i));
    await first.stop();
    outbox.close();
    outbox = openOutbox(store.path);
    expect(outbox.pendingCount()).toBe(7);
    sink.down = false;
    const second = new AuditShipper(outbox, sink);
    second.start();
    await until(() => outbox.pendingCount() === 0);
    await second.stop();
    expect(sink.sent).toHaveLength(7);
  });

  it('drain delivers what is pending before the deadline and reports it', async () => {
    for (let i = 0; i < 30; i++) outbox.append(eventsFor(i));
    const shipper = new AuditShipper(outbox, sink, { batchSize: 7 });
    await expect(shipper.drain(5_000)).resolves.toEqual({ drained: true, pending: 0 });
    expect(sink.sent).toHaveLength(30);
  });

  it('drain gives up at the deadline when the sink is down, leaving the events pending', async () => {
    sink.down = true;
    outbox.append(eventsFor(1));
    const shipper = new AuditShipper(outbox, sink, { baseBackoffMs: 5, maxBackoffMs: 10 });
    await expect(shipper.drain(100)).resolves.toEqual({ drained: false, pending: 1 });
  });
});
