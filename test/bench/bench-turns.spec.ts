/**
 * The targets' turns at saturation (bench/lib/turns.js). What must never happen: a target always measured first or
 * last (the rotation is what spreads the machine's other load over all of them), or a slice's requests or errors
 * lost when the slices are put together. What each target's slices cost: test/bench/bench-cost.spec.ts.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

interface Saturation { rps: number; requests: number; seconds: number; latencyMs: { p50: number; p99: number }; bytesPerSec: number; errors: number; timeouts: number; non2xx: number }
interface Turns {
  sliceCount(seconds: number): number;
  turnOrder(names: string[], k: number): string[];
  mergeSaturation(slices: Saturation[]): Saturation & { slices: number };
}

const ROOT = resolve(import.meta.dirname, '../..');
let turns: Turns;
beforeAll(async () => {
  turns = (await import(pathToFileURL(join(ROOT, 'bench/lib/turns.js')).href)) as Turns;
});

const saturation = (requests: number, seconds: number, extra: Partial<Saturation> = {}): Saturation => ({
  rps: requests / seconds, requests, seconds, latencyMs: { p50: 1, p99: 3 }, bytesPerSec: 1000, errors: 0, timeouts: 0, non2xx: 0, ...extra,
});

describe('saturation in turns', () => {
  it('cuts a phase into slices of about 2 s, at most 5, at least 1', () => {
    expect([0.3, 1.9, 2, 4, 9.9, 10, 60].map((s) => turns.sliceCount(s))).toEqual([1, 1, 1, 2, 4, 5, 5]);
  });

  it('rotates the order, so every target takes every place in turn', () => {
    const names = ['direct', 'fastify', 'nginx', 'facade'];
    const orders = [0, 1, 2, 3].map((k) => turns.turnOrder(names, k));
    for (const order of orders) expect([...order].sort()).toEqual([...names].sort());
    for (const name of names) expect(new Set(orders.map((o) => o.indexOf(name)))).toEqual(new Set([0, 1, 2, 3]));
    expect(turns.turnOrder(names, 4)).toEqual(names);
  });

  it('puts the slices together as requests over seconds, with every error kept', () => {
    // Not the mean of the slices' rates (which would be 1,166.7 here): a slice that ran longer weighs more.
    const merged = turns.mergeSaturation([
      saturation(2000, 2),
      saturation(1000, 1, { errors: 1, latencyMs: { p50: 2, p99: 9 } }),
      saturation(3000, 3, { non2xx: 2, timeouts: 3 }),
      saturation(0, 0.01),
    ]);
    expect(merged.requests).toBe(6000);
    expect(merged.seconds).toBe(6.01);
    expect(merged.rps).toBe(998.3);
    expect(merged.slices).toBe(4);
    expect([merged.errors, merged.non2xx, merged.timeouts]).toEqual([1, 2, 3]);
    expect(merged.latencyMs.p99).toBe(9); // autocannon's percentiles cannot be merged: the slowest slice's
  });
});
