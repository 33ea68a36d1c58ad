/**
 * What a target's load phases cost (bench/lib/processes.js `costMeter`), a phase whole or its slices in turns. What
 * must never happen: the cost of the time between a target's slices (another target's turn) counted for it, or CPU
 * charged to a target that has no process of its own.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

interface Processes {
  costMeter(o: { pid?: number; upstreamPid: number; byThread: boolean }): {
    measure<T>(stretch: () => Promise<T>): Promise<T>;
    total(requests: number): { cpuMsPerRequest: number | null; upstreamCpuMsPerRequest: number | null; threads?: { cpuMsPerRequest: { mainThread: number } } };
  };
}

const ROOT = resolve(import.meta.dirname, '../..');
let processes: Processes;
beforeAll(async () => {
  processes = (await import(pathToFileURL(join(ROOT, 'bench/lib/processes.js')).href)) as Processes;
});

/** Spins until it has used `ms` of CPU time, however the machine schedules it. */
const spin = (ms: number) => async () => {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000) return;
  }
};

describe('the cost of a target\'s load phases', () => {
  it('counts the CPU of the measured slices only, summed over them', async () => {
    const meter = processes.costMeter({ pid: process.pid, upstreamPid: process.pid, byThread: true });
    await meter.measure(spin(150));
    await spin(400)(); // between the slices: another target's turn, not this one's
    await meter.measure(spin(150));
    const cost = meter.total(100);
    // 300 ms of spinning over 100 requests: ~3 ms each, never the 7 ms that would include the 400 ms between.
    // /proc/<pid>/stat counts 10 ms ticks and truncates user and system time apart, so each slice's difference may be
    // off by up to two ticks: 300 ± 40 ms, 2.6 to 3.4 ms a request.
    expect(cost.cpuMsPerRequest).toBeGreaterThan(2.5);
    expect(cost.cpuMsPerRequest).toBeLessThan(5);
    expect(cost.upstreamCpuMsPerRequest).toBeGreaterThan(2.5);
    expect(cost.upstreamCpuMsPerRequest).toBeLessThan(5);
    expect(cost.threads?.cpuMsPerRequest.mainThread).toBeGreaterThan(2.5);
    expect(cost.threads?.cpuMsPerRequest.mainThread).toBeLessThan(5);
  });

  it('counts no CPU for a target without a process of its own (the upstream called directly)', async () => {
    const meter = processes.costMeter({ pid: 0, upstreamPid: process.pid, byThread: false });
    await meter.measure(spin(200));
    const cost = meter.total(10);
    expect(cost.cpuMsPerRequest).toBe(0);
    // 200 ms over 10 requests: 20 ms each, within the two ticks (20 ms) a difference of /proc readings may be off.
    expect(cost.upstreamCpuMsPerRequest).toBeGreaterThanOrEqual(18);
    expect(cost.upstreamCpuMsPerRequest).toBeLessThanOrEqual(22);
    expect(cost).not.toHaveProperty('threads');
  });
});
