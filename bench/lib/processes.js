// Child processes of the benchmark: started with IPC, awaited until they say they are ready, stopped by
// their own pid only; each exits by itself when its IPC channel closes (`exitWithParent`), so a run that dies
// leaves none behind. Also the facade's memory (from /proc/<pid>/status), its time by thread (schedstat) and
// readiness probe.
import { fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What a child takes from the bench's own environment: what Node, glibc and the tools need, and `BENCH_RUN_TAG` (a
 * caller's mark on every process of a run, so that it can find them all: the smoke test), nothing else. Everything
 * a child is configured with is passed to it by name (`env`). A variable of the service's configuration in the shell
 * that runs the bench (an Event Hubs connection string, `FHIR_ROUTES`, `REDIS_URL`, `NODE_OPTIONS`) would otherwise
 * configure the facade under test: it would measure something else, and could ship its synthetic audit events to a
 * real hub.
 */
export const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'BENCH_RUN_TAG'];

/**
 * Removes the working directories (`run-<pid>` in `dir`) of earlier runs whose process is gone: a run killed outright
 * (SIGKILL, a crash) cannot remove its own, with its audit store and nginx's files. Returns the names removed.
 */
export function sweepStaleRuns(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const swept = [];
  for (const name of names) {
    const pid = /^run-(\d+)$/.exec(name)?.[1];
    if (!pid || existsSync(`/proc/${pid}`)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    swept.push(name);
  }
  return swept;
}

/** Forks `script` with IPC; resolves with the child and its first message once `isReady(message)` holds. */
export function startChild(script, { env, execArgv = [], isReady = (m) => m?.ready, timeoutMs = 60_000, stdio = 'ignore' }) {
  const inherited = Object.fromEntries(INHERITED_ENV.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));
  const child = fork(script, [], { env: { ...inherited, ...env }, execArgv, stdio: [stdio, stdio, 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready after ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.on('message', function onMessage(message) {
      if (!isReady(message)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve({ child, message, stderr: () => stderr });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it was ready: ${stderr}`));
    });
  });
}

/** In a forked child: exit when the parent goes (its IPC channel closes), however the parent ended. */
export function exitWithParent() {
  process.on('disconnect', () => process.exit(0));
}

/** Sends SIGTERM to this child only and waits for it to exit (SIGKILL after the grace period). */
export async function stopChild(child, graceMs = 15_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `url` until it answers 200; resolves with the ms elapsed since `since` (performance.now()). */
export async function waitFor200(url, since, { timeoutMs = 60_000, everyMs = 5 } = {}) {
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (performance.now() - since > timeoutMs) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** VmRSS and VmHWM (peak resident set) of a process, in MB; undefined off Linux. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs`; `stop()` returns the largest sample and the kernel's VmHWM. */
export function sampleRss(pid, everyMs = 100) {
  let maxRssMb = 0;
  let hwmMb = 0;
  // Per phase (mark): the largest sample while it ran, so the report can say which workload the peak came from.
  const phases = {};
  let phase;
  const take = () => {
    const m = memoryOf(pid);
    if (!m) return;
    maxRssMb = Math.max(maxRssMb, m.rssMb);
    hwmMb = Math.max(hwmMb, m.hwmMb);
    if (phase) phases[phase] = Math.max(phases[phase] ?? 0, m.rssMb);
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    mark(label) {
      take();
      phase = label;
      take();
    },
    stop() {
      take();
      clearInterval(timer);
      const byPhase = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, roundTo(v, 1)]));
      return { maxSampledRssMb: roundTo(maxRssMb, 1), peakRssMb: roundTo(hwmMb, 1), maxSampledRssMbByWorkload: byPhase };
    },
  };
}

/**
 * CPU time (user + system, ms) used so far by a process and its live children (nginx's workers), from
 * /proc/<pid>/stat (clock ticks of 10 ms): a measure of cost per request that other load on the machine
 * does not distort the way it distorts throughput.
 */
export function cpuMsOf(pid) {
  const ticks = (p) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      return 0;
    }
  };
  let total = ticks(pid);
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) total += ticks(child);
  } catch {
    // no children file (old kernel) or the process is gone
  }
  return total * 10;
}

/**
 * Per thread of a process, from /proc/<pid>/task/<tid>/schedstat (nanoseconds): the time it ran on a core and
 * the time it was runnable but waited for one (the machine's other load). [] when the process is gone.
 */
export function threadTimesOf(pid) {
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const threads = [];
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const [runNs, waitNs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      threads.push({ tid, name, runMs: runNs / 1e6, waitMs: waitNs / 1e6 });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return threads;
}

/** What each thread of a process ran and waited between two `threadTimesOf` readings (a new thread from 0). */
export function threadDeltas(before, after) {
  const start = new Map(before.map((t) => [t.tid, t]));
  return after.map((t) => {
    const s = start.get(t.tid) ?? { runMs: 0, waitMs: 0 };
    return { tid: t.tid, name: t.name, runMs: t.runMs - s.runMs, waitMs: t.waitMs - s.waitMs };
  });
}

/**
 * A Node process's time over a phase (`threadDeltas`), split by thread: the main thread (which serves requests),
 * worker threads (in the facade, only the audit writer) and the rest (V8's GC and compiler helpers, libuv's pool).
 * CPU per request for each, and how much of the phase the main thread ran and waited for a core (also per request):
 * a main thread that neither ran nor waited was idle, waiting for I/O.
 */
export function threadSplit(deltas, requests, wallMs) {
  const sums = { main: { runMs: 0, waitMs: 0 }, workers: { runMs: 0, waitMs: 0, count: 0 }, helpers: { runMs: 0, waitMs: 0 } };
  for (const t of deltas) {
    const kind = t.name === 'MainThread' ? 'main' : t.name === 'WorkerThread' ? 'workers' : 'helpers';
    sums[kind].runMs += t.runMs;
    sums[kind].waitMs += t.waitMs;
    if (kind === 'workers') sums.workers.count += 1;
  }
  const perRequest = (ms) => (requests ? roundTo(ms / requests, 3) : null);
  const pct = (ms) => (wallMs > 0 ? roundTo((ms / wallMs) * 100, 1) : null);
  return {
    cpuMsPerRequest: { mainThread: perRequest(sums.main.runMs), workerThreads: perRequest(sums.workers.runMs), helpers: perRequest(sums.helpers.runMs) },
    workerThreads: sums.workers.count,
    mainThread: { runningPct: pct(sums.main.runMs), waitingForCorePct: pct(sums.main.waitMs), waitingForCoreMsPerRequest: perRequest(sums.main.waitMs) },
  };
}

/**
 * What a target's load phases cost, summed over the stretches it measured (a phase whole, or its slices in turns):
 * `measure` runs one and adds the CPU time of the target process (none for the upstream called directly, `pid` 0)
 * and of the upstream behind it, and with `byThread` the target's time by thread; `total` gives the per-request
 * figures over all of them.
 */
export function costMeter({ pid, upstreamPid, byThread }) {
  let targetMs = 0;
  let upstreamMs = 0;
  let wallMs = 0;
  const threads = new Map(); // tid -> { tid, name, runMs, waitMs }, summed over the stretches
  return {
    async measure(stretch) {
      const before = { target: pid ? cpuMsOf(pid) : 0, upstream: cpuMsOf(upstreamPid), threads: byThread ? threadTimesOf(pid) : [] };
      const started = performance.now();
      const result = await stretch();
      wallMs += performance.now() - started;
      targetMs += pid ? cpuMsOf(pid) - before.target : 0;
      upstreamMs += cpuMsOf(upstreamPid) - before.upstream;
      if (byThread) {
        for (const d of threadDeltas(before.threads, threadTimesOf(pid))) {
          const sum = threads.get(d.tid);
          if (sum) {
            sum.runMs += d.runMs;
            sum.waitMs += d.waitMs;
          } else threads.set(d.tid, d);
        }
      }
      return result;
    },
    total(requests) {
      const perRequest = (ms) => (requests ? roundTo(ms / requests, 3) : null);
      return {
        cpuMsPerRequest: perRequest(targetMs),
        upstreamCpuMsPerRequest: perRequest(upstreamMs),
        ...(byThread ? { threads: threadSplit([...threads.values()], requests, wallMs) } : {}),
      };
    },
  };
}

const roundTo = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;
