// The bench's command line: options, their checks, and what kind of run they make.
//
// A run with the defaults is the "full" run: it writes bench/results.json and the results section of BENCHMARKS.md.
// A run that changes what is measured (a subset of workloads or targets, other phase lengths, another build, V8
// flags, an arena limit, another variable for the facade, a CPU profile) is "partial": its results go to --out, or
// to bench/.tmp/results.json, and never replace the committed ones. Smoke runs are for the smoke test. Bad arguments
// end the run before anything starts: one line, exit 2.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const WORKLOAD_IDS = ['A', 'B', 'C', 'D'];
export const TARGET_NAMES = ['direct', 'fastify', 'nginx', 'facade'];

export const USAGE = `usage: node bench/run.js [options]        (npm run bench: build, then a full run)
  --workloads A,B,C,D        workloads to run (default all)
  --targets direct,fastify,nginx,facade
                             targets to measure (default all; the direct call and the facade always run)
  --seconds <s>              saturation phase per workload and target (default 10)
  --latency-seconds <s>      fixed-rate phase (default 10)
  --warmup-seconds <s>       warm-up before each saturation phase (default 3; 0 for none)
  --rate <req/s>             fixed rate of the latency phase (default 300)
  --connections <n>          connections at saturation (default 20)
  --no-nginx                 skip nginx
  --dist <dir>               another compiled build (default dist/, or BENCH_DIST)
  --cpu-prof                 V8 CPU profile of the facade in bench/.tmp/prof/
  --facade-flags="<flags>"   the facade's V8 flags instead of the service's (--facade-flags= for none)
  --malloc-arena-max=<n|default>  the facade's MALLOC_ARENA_MAX instead of the service's
  --facade-env NAME=VALUE    one more variable for the facade (repeatable); from the bench's own environment
                             its children get only PATH, HOME, TMPDIR, LANG, LC_ALL, TZ and BENCH_RUN_TAG
  --facade-stdout            show the facade's standard output
  --out <file>               where results.json goes
  --no-md                    do not write BENCHMARKS.md (only a full run writes it)
  --smoke                    tiny run for the smoke test
  --dry-run                  print what the run would measure and write, then exit
  --help                     this text
Only a run with the defaults is a full run: anything that changes what is measured makes a partial run, whose
results go to --out or bench/.tmp/results.json and never replace bench/results.json or BENCHMARKS.md.`;

const OPTIONS = {
  smoke: { type: 'boolean', default: false },
  out: { type: 'string' },
  dist: { type: 'string' },
  seconds: { type: 'string' },
  'latency-seconds': { type: 'string' },
  'warmup-seconds': { type: 'string' },
  rate: { type: 'string' },
  connections: { type: 'string' },
  workloads: { type: 'string' },
  targets: { type: 'string' },
  'no-nginx': { type: 'boolean', default: false },
  'no-md': { type: 'boolean', default: false },
  'cpu-prof': { type: 'boolean', default: false },
  'facade-flags': { type: 'string' },
  'malloc-arena-max': { type: 'string' },
  'facade-env': { type: 'string', multiple: true },
  'facade-stdout': { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};

/** Options that change what a run measures: any of them makes it partial. */
const CHANGES_MEASUREMENT = ['seconds', 'latency-seconds', 'warmup-seconds', 'rate', 'connections', 'workloads', 'targets', 'no-nginx', 'dist', 'cpu-prof', 'facade-flags', 'malloc-arena-max', 'facade-env'];

export class BenchUsageError extends Error {}

/**
 * Parses and checks the command line. `benchDir` is bench/; `env` supplies BENCH_DIST; `service` is
 * package.json's `config` (the facade's V8 flags and arena limit).
 * @throws BenchUsageError with a one-line message
 */
export function parseBenchArgs(argv, { benchDir, env = {}, service = {} }) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new BenchUsageError(`${err.message.split('\n')[0]} (--help lists the options)`);
  }
  const smoke = values.smoke;
  const overridden = CHANGES_MEASUREMENT.filter((name) => values[name] !== undefined && values[name] !== false);
  if (env.BENCH_DIST && values.dist === undefined) overridden.push('BENCH_DIST');
  const mode = smoke ? 'smoke' : overridden.length ? 'partial' : 'full';
  const root = resolve(benchDir, '..');
  const settings = {
    // Smoke mode keeps the machine usable for the test suites running beside it: short phases, light load.
    saturationSeconds: number(values, 'seconds', smoke ? 0.3 : 10, { min: 0, exclusive: true }),
    latencySeconds: number(values, 'latency-seconds', smoke ? 0.3 : 10, { min: 0, exclusive: true }),
    warmUpSeconds: number(values, 'warmup-seconds', smoke ? 0 : 3, { min: 0 }),
    rate: number(values, 'rate', smoke ? 50 : 300, { min: 0, exclusive: true }),
    connections: number(values, 'connections', smoke ? 2 : 20, { min: 1, integer: true }),
  };
  return {
    mode,
    overridden,
    settings,
    workloads: names(values, 'workloads', WORKLOAD_IDS),
    targets: names(values, 'targets', TARGET_NAMES),
    dist: resolve(values.dist ?? env.BENCH_DIST ?? join(root, 'dist')),
    out: resolve(values.out ?? (mode === 'full' ? join(benchDir, 'results.json') : join(benchDir, '.tmp', 'results.json'))),
    writesBenchmarksMd: mode === 'full' && !values['no-md'],
    nginx: !values['no-nginx'],
    cpuProf: values['cpu-prof'],
    facadeFlags: (values['facade-flags'] ?? service.nodeFlags ?? '').split(' ').filter(Boolean),
    mallocArenaMax: mallocArenaMax(values['malloc-arena-max'] ?? service.mallocArenaMax),
    facadeEnv: facadeEnv(values['facade-env'] ?? []),
    facadeStdout: values['facade-stdout'],
    dryRun: values['dry-run'],
    help: values.help,
  };
}

function number(values, name, fallback, { min, exclusive = false, integer = false }) {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const ok = raw.trim() !== '' && Number.isFinite(n) && (exclusive ? n > min : n >= min) && (!integer || Number.isInteger(n));
  if (!ok) throw new BenchUsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} ${exclusive ? 'above' : 'of at least'} ${min}, not ${JSON.stringify(raw)}`);
  return n;
}

function names(values, name, known) {
  const raw = values[name];
  if (raw === undefined) return new Set(known);
  const wanted = raw.split(',').map((s) => s.trim());
  const unknown = wanted.filter((w) => !known.includes(w));
  if (unknown.length) throw new BenchUsageError(`--${name} takes a comma-separated list of ${known.join(', ')}, not ${JSON.stringify(raw)}`);
  return new Set(wanted);
}

/** `NAME=VALUE` pairs for the facade's environment, as an object. */
function facadeEnv(pairs) {
  const env = {};
  for (const pair of pairs) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
    if (!m) throw new BenchUsageError(`--facade-env takes NAME=VALUE, not ${JSON.stringify(pair)}`);
    env[m[1]] = m[2];
  }
  return env;
}

/** A value for MALLOC_ARENA_MAX, or undefined (not set: glibc's default) for "default" or nothing. */
function mallocArenaMax(value) {
  if (value === undefined || value === 'default') return undefined;
  if (/^[1-9][0-9]*$/.test(value)) return value;
  throw new BenchUsageError(`--malloc-arena-max must be a positive integer or "default", not ${JSON.stringify(value)}`);
}
