// The targets of one workload measured at saturation in turns: the phase is cut into slices of about 2 s and the
// targets take them in a rotating order, so a stretch of load from elsewhere on the machine falls on every target
// rather than on whichever ran then, and the throughput ratios of one run compare like with like. Measured one
// after the other, the same build's CPU per Bundle moved from 0.86 to 1.25 ms between two full runs 15 minutes
// apart, and its throughput against the proxy from 25 % to 15 % (BENCHMARKS.md, the turns checked, and log 26).
// The latency phase is not cut: a target that idles between slices pays for it in its first requests, which is not
// the steady rate the latency targets are about; run.js measures it whole, right after load on the same target.
import { round } from './load.js';

/** How many slices a phase of `seconds` is cut into: about 2 s each, at most 5, at least 1. */
export function sliceCount(seconds) {
  return Math.max(1, Math.min(5, Math.floor(seconds / 2)));
}

/** The targets in the order of turn `k`: rotated by `k`, so no target always runs first or last. */
export function turnOrder(names, k) {
  const i = k % names.length;
  return [...names.slice(i), ...names.slice(0, i)];
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
