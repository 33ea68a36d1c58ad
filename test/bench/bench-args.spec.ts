/**
 * The bench's command line (bench/lib/args.js), through the script itself. What must never happen: a partial or
 * experimental run replacing the committed results (bench/results.json, BENCHMARKS.md) as if it were the full
 * run, or a bad argument starting children and then dying with a stack trace.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const BENCH = join(ROOT, 'bench/run.js');
const WORK = mkdtempSync(join(tmpdir(), 'bench-args-'));
const envWithoutDist = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.BENCH_DIST;
  return env;
};

interface Plan {
  mode: string;
  overridden: string[];
  out: string;
  writesBenchmarksMd: boolean;
  settings: Record<string, number>;
}

async function plan(args: string[], env = envWithoutDist()): Promise<Plan> {
  const { stdout } = await run(NODE, [BENCH, '--dry-run', ...args], { cwd: ROOT, env });
  return JSON.parse(stdout) as Plan;
}

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe('bench/run.js arguments', () => {
  it('a run with the defaults is the full run: it writes bench/results.json and BENCHMARKS.md', async () => {
    const p = await plan([]);
    expect(p).toMatchObject({ mode: 'full', overridden: [], out: join(ROOT, 'bench/results.json'), writesBenchmarksMd: true });
    expect(p.settings).toEqual({ saturationSeconds: 10, latencySeconds: 10, warmUpSeconds: 3, rate: 300, connections: 20 });
    expect((await plan(['--no-md'])).writesBenchmarksMd).toBe(false);
  });

  it('any option that changes what is measured makes a partial run, which never replaces the committed results', async () => {
    const changing = [
      ['--workloads', 'A'],
      ['--targets', 'direct,facade'],
      ['--seconds', '5'],
      ['--latency-seconds', '5'],
      ['--warmup-seconds', '0'],
      ['--rate', '100'],
      ['--connections', '10'],
      ['--no-nginx'],
      ['--dist', join(WORK, 'dist')],
      ['--cpu-prof'],
      ['--facade-flags=--max-semi-space-size=16'],
      ['--malloc-arena-max=default'],
      ['--facade-env', 'MALLOC_MMAP_THRESHOLD_=131072'],
    ];
    for (const args of changing) {
      const p = await plan(args);
      expect(p.mode, args.join(' ')).toBe('partial');
      expect(p.writesBenchmarksMd, args.join(' ')).toBe(false);
      expect(p.out, args.join(' ')).toBe(join(ROOT, 'bench/.tmp/results.json'));
    }
    // Another build through the environment is an experiment too; --out is honoured, still without BENCHMARKS.md.
    expect((await plan([], { ...envWithoutDist(), BENCH_DIST: join(WORK, 'dist') })).mode).toBe('partial');
    const out = join(WORK, 'r.json');
    expect(await plan(['--seconds', '5', '--out', out])).toMatchObject({ out, writesBenchmarksMd: false });
    // The smoke run (the smoke test's) never writes the committed files either.
    expect(await plan(['--smoke'])).toMatchObject({ mode: 'smoke', writesBenchmarksMd: false, out: join(ROOT, 'bench/.tmp/results.json') });
  });

  it('a bad argument ends the run before anything starts: one line, exit 2, nothing written', async () => {
    const bad = [
      ['--seconds', 'ten'],
      ['--seconds', '0'],
      ['--rate', '-5'],
      ['--connections', '2.5'],
      ['--workloads', 'A,E'],
      ['--targets', 'haproxy'],
      ['--malloc-arena-max=0'],
      ['--facade-env', 'MALLOC_MMAP_THRESHOLD_'],
      ['--facade-env', '1A=b'],
      ['--secs', '5'],
      ['positional'],
    ];
    for (const args of bad) {
      const out = join(WORK, 'bad.json');
      const failed = await run(NODE, [BENCH, ...args, '--out', out], { cwd: ROOT, env: envWithoutDist(), timeout: 30_000 }).then(
        () => undefined,
        (err: { code?: number; stderr?: string }) => err,
      );
      expect(failed, args.join(' ')).toBeDefined();
      expect(failed!.code, args.join(' ')).toBe(2);
      const lines = failed!.stderr!.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(/^\[bench\] /);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('--help lists every option', async () => {
    const { stdout } = await run(NODE, [BENCH, '--help'], { cwd: ROOT });
    for (const option of ['--workloads', '--targets', '--seconds', '--latency-seconds', '--warmup-seconds', '--rate', '--connections', '--no-nginx', '--dist', '--cpu-prof', '--facade-flags', '--malloc-arena-max', '--facade-env', '--facade-stdout', '--out', '--no-md', '--smoke', '--dry-run']) {
      expect(stdout).toContain(option);
    }
  });
});
