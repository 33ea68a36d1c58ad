/**
 * The benchmark script runs end to end and writes well-formed results. A smoke test only: it compiles the app
 * into a private directory (so it never races a concurrent `npm run build` on dist/), runs `bench/run.js --smoke`
 * (0.3 s per phase at 2 connections and 50 req/s, no warm-up, nginx only if already installed) and checks the shape of the JSON.
 * It asserts nothing about speed: timings on a shared machine are not test material (see BENCHMARKS.md). A partial
 * run leaves the committed results alone; a run whose facade cannot start ends with its error and leaves no process
 * behind, as does a run killed outright.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
// Inside the repository so that the compiled files resolve node_modules; bench/.tmp is git-ignored.
const WORK = join(ROOT, 'bench/.tmp', `smoke-${process.pid}`);
const DIST = join(WORK, 'dist');
const OUT = join(WORK, 'results.json');
// .ci/run installs Debian's nginx; elsewhere the nginx test runs where nginx is installed (the bench installs it).
const nginxInstalled = ['/usr/sbin/nginx', '/usr/bin/nginx'].some((p) => existsSync(p));

/** The service's configuration as a developer's shell might hold it (fake values, unreachable hosts). */
const SHELL_SETTINGS = {
  AUDIT_EVENTHUB_CONNECTION_STRING: 'Endpoint=sb://bench-must-not-ship-here.invalid/;SharedAccessKeyName=k;SharedAccessKey=a2V5;EntityPath=audit',
  REDIS_URL: 'redis://127.0.0.1:1',
  NODE_OPTIONS: '--max-semi-space-size=1',
};

interface ThreadSplit {
  cpuMsPerRequest: { mainThread: number; workerThreads: number; helpers: number };
  workerThreads: number;
  mainThread: { runningPct: number; waitingForCorePct: number; waitingForCoreMsPerRequest: number };
}

/** What a phase cost: CPU per request of the target process and of the upstream behind it; the facade's by thread. */
interface PhaseCost {
  cpuMsPerRequest: number;
  upstreamCpuMsPerRequest: number;
  threads?: ThreadSplit;
}

interface Results {
  mode: string;
  settings: { facadeBuild: string };
  machine: { cores: number; node: string };
  facade: { nodeFlags: string[]; mallocArenaMax: string | null; environment: string[]; startup: { readyMs: number }; memory: { peakRssMb: number; maxSampledRssMbByWorkload: Record<string, number> }; checks: Record<string, unknown> };
  workloads: Array<{
    id: string;
    skipped?: string;
    byTarget?: Record<string, { saturation: PhaseCost & { rps: number; requests: number; slices: number }; fixedRate: PhaseCost & { latencyMs: { p50: number; p99: number } } }>;
    throughputRatio?: Record<string, number>;
    addedLatencyMs?: Record<string, { p50: number; p99: number }>;
    proxyAddedLatencyMs?: Record<string, { p50: number; p99: number }>;
  }>;
  targets: Array<{ name: string; target: string; value: string; met: boolean }>;
}

describe('npm run bench (smoke mode)', () => {
  let results: Results;
  let stderr = '';

  beforeAll(async () => {
    mkdirSync(WORK, { recursive: true });
    await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', DIST], { cwd: ROOT });
    // The masking policy is read from src/ next to the compiled code.
    cpSync(join(ROOT, 'src/masking/policies'), join(DIST, 'src/masking/policies'), { recursive: true });
    // Settings of the service in the shell that runs the bench: they must not configure the facade under test.
    const env = { ...process.env, ...SHELL_SETTINGS };
    const child = await run(NODE, [join(ROOT, 'bench/run.js'), '--smoke', '--dist', DIST, '--out', OUT], { cwd: ROOT, env, timeout: 240_000 });
    stderr = child.stderr;
    results = JSON.parse(readFileSync(OUT, 'utf8')) as Results;
  }, 300_000);

  afterAll(() => rmSync(WORK, { recursive: true, force: true }));

  it('writes results for every workload, through the facade and the baselines, with no error answers', () => {
    expect(results.mode).toBe('smoke');
    expect(results.machine.cores).toBeGreaterThan(0);
    const ids = results.workloads.map((w) => w.id);
    expect(ids).toEqual(['A', 'B', 'C', 'D']);
    for (const w of results.workloads) {
      if (w.skipped) continue;
      for (const target of ['direct', 'fastify', ...(nginxInstalled ? ['nginx'] : []), 'facade']) {
        const r = w.byTarget?.[target];
        expect(r, `${w.id} ${target}`).toBeDefined();
        expect(r!.saturation.requests).toBeGreaterThan(0);
        expect(r!.saturation.slices, `${w.id} ${target}: saturation in turns`).toBe(1); // 0.3 s: one slice
        expect(Number.isFinite(r!.fixedRate.latencyMs.p50)).toBe(true);
      }
      expect(w.throughputRatio?.fastify).toBeGreaterThan(0);
      expect(typeof w.addedLatencyMs?.direct?.p99).toBe('number');
      // The bare proxy's own added latency, from the same samples: the floor any hop pays in this run.
      const proxy = w.byTarget!.fastify!.fixedRate.latencyMs;
      const direct = w.byTarget!.direct!.fixedRate.latencyMs;
      expect(w.proxyAddedLatencyMs?.fastify?.p50).toBeCloseTo(proxy.p50 - direct.p50, 3);
      expect(w.proxyAddedLatencyMs?.fastify?.p99).toBeCloseTo(proxy.p99 - direct.p99, 3);
    }
    expect(results.targets.find((t) => t.name.startsWith('facade errors'))?.value).toBe('0');
  });

  it('measured the facade doing its work: start-up, memory, masked answers', () => {
    expect(results.settings.facadeBuild).toMatch(/^bundled/); // measured as it ships (rolldown.config.mjs)
    // ... and started as it ships: package.json's V8 flags, and its malloc arena limit as the facade process saw it.
    const { config } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { config: { nodeFlags: string; mallocArenaMax: string } };
    expect(results.facade.nodeFlags).toEqual(config.nodeFlags.split(' '));
    expect(results.facade.mallocArenaMax).toBe(config.mallocArenaMax);
    expect(results.facade.startup.readyMs).toBeGreaterThan(0);
    expect(results.facade.memory.peakRssMb).toBeGreaterThan(0);
    // Where the peak came from: the largest RSS sample while each measured workload ran, none above the peak.
    const measuredIds = results.workloads.filter((w) => !w.skipped).map((w) => w.id);
    expect(Object.keys(results.facade.memory.maxSampledRssMbByWorkload)).toEqual(measuredIds);
    for (const mb of Object.values(results.facade.memory.maxSampledRssMbByWorkload)) {
      expect(mb).toBeGreaterThan(0);
      expect(mb).toBeLessThanOrEqual(results.facade.memory.peakRssMb);
    }
    // The facade's time by thread over each phase (at saturation and at the fixed rate): the audit writer is its one
    // worker thread, and the request thread cannot have run and waited for a core longer than the phase lasted.
    for (const w of results.workloads.filter((x) => !x.skipped)) {
      for (const phase of ['saturation', 'fixedRate'] as const) {
        const threads = w.byTarget!.facade![phase].threads!;
        expect(threads, `${w.id} ${phase}`).toBeDefined();
        expect(threads.workerThreads).toBe(1);
        expect(threads.cpuMsPerRequest.mainThread).toBeGreaterThan(0);
        for (const ms of Object.values(threads.cpuMsPerRequest)) expect(ms).toBeGreaterThanOrEqual(0);
        expect(threads.mainThread.runningPct).toBeGreaterThan(0);
        expect(threads.mainThread.runningPct + threads.mainThread.waitingForCorePct).toBeLessThanOrEqual(101);
        expect(threads.mainThread.waitingForCoreMsPerRequest).toBeGreaterThanOrEqual(0);
        expect(w.byTarget!.fastify![phase].threads, 'only the facade is split').toBeUndefined();
        // CPU per request of every process (clock ticks, so a short phase of a light proxy may read 0); none for
        // the upstream called directly, where there is no process in between.
        for (const [target, r] of Object.entries(w.byTarget!)) {
          expect(r[phase].cpuMsPerRequest, `${w.id} ${target} ${phase}`).toBeGreaterThanOrEqual(0);
          expect(r[phase].upstreamCpuMsPerRequest, `${w.id} ${target} ${phase}`).toBeGreaterThanOrEqual(0);
        }
        expect(w.byTarget!.direct![phase].cpuMsPerRequest).toBe(0);
      }
    }
    // Started with the bench's settings only: nothing of the service's configuration from the shell that ran it.
    expect(results.facade.environment).toEqual(expect.arrayContaining(['PATH', 'FHIR_BASE_URL', 'AUTH_ISSUERS', 'AUDIT_STORE_PATH']));
    for (const name of Object.keys(SHELL_SETTINGS)) expect(results.facade.environment).not.toContain(name);
    expect(results.facade.checks).toMatchObject({ patientRead: true, patientSsnMasked: true, observationBundleEntries: 51 });
    expect(stderr).toContain('results written to');
  });

  it('a partial run writes bench/.tmp/results.json and leaves the committed results alone', async () => {
    const committed = ['bench/results.json', 'BENCHMARKS.md'].map((f) => readFileSync(join(ROOT, f), 'utf8'));
    const startedAt = new Date().toISOString();
    const args = ['--dist', DIST, '--workloads', 'A', '--targets', 'direct,facade', '--no-nginx', '--seconds', '0.3', '--latency-seconds', '0.3', '--warmup-seconds', '0', '--rate', '50', '--connections', '2', '--facade-env', 'BENCH_SMOKE_MARK=1'];
    await run(NODE, [join(ROOT, 'bench/run.js'), ...args], { cwd: ROOT, timeout: 120_000 });
    const partial = JSON.parse(readFileSync(join(ROOT, 'bench/.tmp/results.json'), 'utf8')) as Results & { generatedAt: string; overridden: string[] };
    expect(partial.mode).toBe('partial');
    expect(partial.generatedAt >= startedAt).toBe(true);
    expect(partial.overridden).toEqual(expect.arrayContaining(['workloads', 'targets', 'seconds', 'dist', 'facade-env']));
    expect(partial.facade.environment).toContain('BENCH_SMOKE_MARK'); // --facade-env reaches the facade
    expect(partial.workloads.map((w) => w.id)).toEqual(['A']);
    expect(['bench/results.json', 'BENCHMARKS.md'].map((f) => readFileSync(join(ROOT, f), 'utf8'))).toEqual(committed);
  }, 150_000);

  it('reports a skipped workload with its reason rather than dropping it', () => {
    const c = results.workloads.find((w) => w.id === 'C')!;
    expect(c.skipped !== undefined || c.byTarget?.facade !== undefined).toBe(true);
  });

  it('a facade that dies before it is ready ends the run at once with its error, and leaves no child process behind', async () => {
    // Every process the run forks inherits this tag in its environment: what still carries it afterwards was left behind.
    const runTag = randomUUID();
    const args = ['--smoke', '--dist', DIST, '--out', join(WORK, 'failed.json'), '--no-nginx', '--targets', 'direct,facade'];
    const failed = await run(NODE, [join(ROOT, 'bench/run.js'), ...args, '--facade-flags=--not-a-node-option'], {
      cwd: ROOT,
      timeout: 120_000,
      env: { ...process.env, BENCH_RUN_TAG: runTag },
    }).then(
      () => undefined,
      (err: { code?: number; killed?: boolean; stderr?: string }) => err,
    );
    expect(failed, 'the run must fail').toBeDefined();
    expect(failed!.killed).toBe(false); // ended by itself, not by the timeout
    expect(failed!.code).not.toBe(0);
    expect(failed!.stderr).toContain('exited');
    expect(failed!.stderr).toContain('--not-a-node-option');
    expect(processesTagged(runTag)).toEqual([]);
  }, 150_000);

  it.runIf(nginxInstalled)('a run killed outright leaves no process behind, nginx and its worker included', async () => {
    const runTag = randomUUID();
    const args = ['--smoke', '--dist', DIST, '--out', join(WORK, 'killed.json'), '--targets', 'direct,nginx,facade'];
    const bench = spawn(NODE, [join(ROOT, 'bench/run.js'), ...args], { cwd: ROOT, env: { ...process.env, BENCH_RUN_TAG: runTag }, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise((resolve) => bench.once('exit', resolve));
    let log = '';
    bench.stderr.on('data', (d) => (log += d));
    // Every child is up once the facade is ready: the upstream, nginx's guard, nginx's master and worker, the facade.
    await vi.waitFor(() => expect(log).toContain('facade ready'), { timeout: 120_000, interval: 20 });
    const master = /nginx on \S+ \(master pid (\d+)\)/.exec(log)?.[1];
    expect(master, log).toBeDefined();
    const started = [...new Set([...processesTagged(runTag), master!, ...childrenOf(master!)])];
    expect(started.filter(isRunning).length, 'upstream, guard, facade, nginx master and worker').toBeGreaterThanOrEqual(5);

    bench.kill('SIGKILL'); // no finally block, no exit handler: only the children's own watch on their parent
    await exited;
    await vi.waitFor(() => expect([...started, ...processesTagged(runTag)].filter(isRunning)).toEqual([]), { timeout: 15_000, interval: 50 });

    // Its working directory (audit store, nginx's files) stays behind; the next run sweeps it away.
    const runDir = `run-${bench.pid}`;
    expect(existsSync(join(ROOT, 'bench/.tmp', runDir))).toBe(true);
    const { sweepStaleRuns } = (await import(pathToFileURL(join(ROOT, 'bench/lib/processes.js')).href)) as { sweepStaleRuns: (dir: string) => string[] };
    expect(sweepStaleRuns(join(ROOT, 'bench/.tmp'))).toContain(runDir);
    expect(existsSync(join(ROOT, 'bench/.tmp', runDir))).toBe(false);
  }, 150_000);

  it("a run sweeps only the directories of runs whose process is gone", async () => {
    const { sweepStaleRuns } = (await import(pathToFileURL(join(ROOT, 'bench/lib/processes.js')).href)) as { sweepStaleRuns: (dir: string) => string[] };
    const dir = join(WORK, 'sweep');
    // 4194305 is above the kernel's highest pid (pid_max is at most 2^22): no such process can exist.
    for (const name of ['run-4194305', `run-${process.pid}`, 'run-abc', 'smoke-4194305']) mkdirSync(join(dir, name, 'audit'), { recursive: true });
    expect(sweepStaleRuns(dir)).toEqual(['run-4194305']);
    expect(readdirSync(dir).sort()).toEqual([`run-${process.pid}`, 'run-abc', 'smoke-4194305'].sort());
    expect(sweepStaleRuns(join(dir, 'missing'))).toEqual([]);
  });
});

/** Live processes whose environment carries the run's tag (every process the run forks inherits it). */
function processesTagged(runTag: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`BENCH_RUN_TAG=${runTag}`);
      } catch {
        return false; // gone, or not ours to read
      }
    });
}

function childrenOf(pid: string): string[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** Exists and has not exited (a zombie has exited: it only waits to be reaped). */
function isRunning(pid: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}
