// The targets of one workload measured at saturation in turns: the phase is cut into slices of about 2 s and the
// targets take them in a rotating order, so a stretch of load from elsewhere on the machine falls on every target
// rather than on whichever ran then, and the throughput ratios of one run compare like with like. Measured one
// after the other, the same build's CPU per Bundle moved from 0.86 to 1.25 ms between two full runs 15 minutes
// apart, and its throughput against the proxy from 25 % to 15 % (BENCHMARKS.md, the turns checked, and log 26).
// The latency phase is not cut: a target that idles between slices pays for it in its first requests, which is not
// the steady rate the latency targets are about; run.js measures it whole, right after load on the same target.
import { performance } from 'node:perf_hooks';
import { round } from './load.js';
import { cpuMsOf, threadSplit, threadTimesOf } from './processes.js';

/** How many slices a phase of `seconds` is cut into: about 2 s each, at most 5, at least 1. */
export function sliceCount(seconds) {
  return Math.max(1, Math.min(5, Math.floor(seconds / 2)));
}

/** The targets in the order of turn `k`: rotated by `k`, so no target always runs first or last. */
export function turnOrder(names, k) {
  const i = k % names.length;
  return [...names.slice(i), ...names.slice(0, i)];
}

/**
 * What one target's phases cost, summed over the slices it measured: `measure` runs a slice and adds the CPU time
 * of the target process (none for the upstream called directly, `pid` 0) and of the upstream behind it, and with
 * `byThread` the target's time by thread; `total` gives the per-request figures over all the slices.
 */
export function costMeter({ pid, upstreamPid, byThread }) {
  let targetMs = 0;
  let upstreamMs = 0;
  let wallMs = 0;
  const threads = new Map(); // tid -> { tid, name, runMs, waitMs }, summed over the slices
  return {
    async measure(slice) {
      const before = { target: pid ? cpuMsOf(pid) : 0, upstream: cpuMsOf(upstreamPid), threads: byThread ? threadTimesOf(pid) : [] };
      const started = performance.now();
      const result = await slice();
      wallMs += performance.now() - started;
      targetMs += pid ? cpuMsOf(pid) - before.target : 0;
      upstreamMs += cpuMsOf(upstreamPid) - before.upstream;
      if (byThread) {
        const start = new Map(before.threads.map((t) => [t.tid, t]));
        for (const t of threadTimesOf(pid)) {
          const s = start.get(t.tid) ?? { runMs: 0, waitMs: 0 };
          const sum = threads.get(t.tid) ?? { tid: t.tid, name: t.name, runMs: 0, waitMs: 0 };
          sum.runMs += t.runMs - s.runMs;
          sum.waitMs += t.waitMs - s.waitMs;
          threads.set(t.tid, sum);
        }
      }
      return result;
    },
    total(requests) {
      const perRequest = (ms) => (requests ? round(ms / requests, 3) : null);
      return {
        cpuMsPerRequest: perRequest(targetMs),
        upstreamCpuMsPerRequest: perRequest(upstreamMs),
        ...(byThread ? { threads: threadSplit([], [...threads.values()], requests, wallMs) } : {}),
      };
    },
  };
}

const sum = (slices, key) => slices.reduce((total, s) => total + s[key], 0);

/**
 * One saturation result from autocannon's slices: requests over seconds, errors added up. autocannon's latency
 * percentiles (1 ms resolution, not what the targets use) cannot be merged: those of the slowest slice.
 */
export function mergeSaturation(slices) {
  const requests = sum(slices, 'requests');
  const seconds = sum(slices, 'seconds');
  return {
    rps: round(requests / Math.max(seconds, 0.001), 1),
    requests,
    seconds: round(seconds, 3),
    slices: slices.length,
    latencyMs: {
      p50: Math.max(...slices.map((s) => s.latencyMs.p50)),
      p99: Math.max(...slices.map((s) => s.latencyMs.p99)),
      resolution: 1,
      of: 'the slowest slice',
    },
    bytesPerSec: Math.round(slices.reduce((total, s) => total + s.bytesPerSec * s.seconds, 0) / Math.max(seconds, 0.001)),
    errors: sum(slices, 'errors'),
    timeouts: sum(slices, 'timeouts'),
    non2xx: sum(slices, 'non2xx'),
  };
}
