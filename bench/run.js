// The facade's cost against bare proxies, measured in one run (issue 9).
//
//   npm run bench                      full run: writes bench/results.json and the results section of BENCHMARKS.md
//   node bench/run.js --workloads A …  partial run (anything that changes what is measured): bench/.tmp/results.json
//                                      or --out, never the committed results
//   node bench/run.js --smoke --out x  tiny run (short phases, no warm-up, nginx only if installed): writes x
//   node bench/run.js --help           the options (lib/args.js); --dry-run says what a run would measure and write
//
// On loopback: a canned FHIR upstream (child process, pre-serialised synthetic data), the facade in front of it
// (child process, full pipeline: real tokens from the local IdP, SMART authorization, compartment filter,
// masking, audit outbox in a temp dir, request logs at info to /dev/null), and the baselines: the upstream
// called directly, a bare Fastify proxy (@fastify/reply-from) and nginx (one worker). Workloads A, B, C, D
// (issue 9) through every target: warm-up, throughput at saturation (autocannon, the targets taking turns in
// slices: lib/turns.js), latency at a fixed rate (paced open-loop client, see lib/load.js, in a process of its
// own: lib/paced-client.js). Peak RSS of the facade
// (VmHWM), start-up time to ready.
//
// Plain JavaScript against the compiled dist/ (BENCH_DIST or --dist to use another build). Not part of npm test.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { BenchUsageError, parseBenchArgs, USAGE } from './lib/args.js';
import { saturate, warmUp } from './lib/load.js';
import { ensureNginx, findNginx, nginxVersion, startNginx } from './lib/nginx.js';
import { costMeter, memoryOf, sampleRss, startChild, stopChild, sweepStaleRuns, waitFor200 } from './lib/processes.js';
import { evaluate, machineInfo, summarise, writeBenchmarksMd } from './lib/report.js';
import { mergeSaturation, sliceCount, turnOrder } from './lib/turns.js';

const HERE = import.meta.dirname;
const ROOT = resolve(HERE, '..');
const SERVICE_CONFIG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).config ?? {};
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
// Checked before anything starts: a bad argument is one line and exit 2.
let plan;
try {
  plan = parseBenchArgs(process.argv.slice(2), { benchDir: HERE, env: process.env, service: SERVICE_CONFIG });
} catch (err) {
  if (!(err instanceof BenchUsageError)) throw err;
  log(err.message);
  process.exit(2);
}
if (plan.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const DIST = plan.dist;
const SMOKE = plan.mode === 'smoke';
const SETTINGS = plan.settings;
const OUT = plan.out;
const WANTED_WORKLOADS = plan.workloads;
const WANTED_TARGETS = plan.targets;
const PATIENTS = ['pat-001', 'pat-002', 'pat-003', 'pat-004', 'pat-005'];
const SCOPE = 'openid fhirUser launch/patient patient/*.rs';
const TMP = join(HERE, '.tmp', `run-${process.pid}`);
// Before each latency phase, the paced client sends at the same rate for this long, unmeasured: its own code
// compiled and its pool connected (none in smoke runs, which have no warm-up).
const PACED_WARM_UP_SECONDS = SETTINGS.warmUpSeconds > 0 ? 1 : 0;
// Before each latency phase, the target is loaded at saturation for this long, unmeasured (none in smoke runs).
const SATURATION_BEFORE_LATENCY_SECONDS = SETTINGS.warmUpSeconds > 0 ? 2 : 0;
// The facade's V8 flags and glibc arena limit: the service's own (package.json config.nodeFlags and
// config.mallocArenaMax, as `npm start` and the Dockerfile run it) unless --facade-flags / --malloc-arena-max.
const FACADE_NODE_FLAGS = plan.facadeFlags;
const FACADE_MALLOC_ARENA_MAX = plan.mallocArenaMax;
if (plan.dryRun) {
  const { mode, overridden, settings, dist, out, writesBenchmarksMd } = plan;
  process.stdout.write(`${JSON.stringify({ mode, overridden, settings, workloads: [...plan.workloads], targets: [...plan.targets], dist, out, writesBenchmarksMd, facadeFlags: FACADE_NODE_FLAGS, mallocArenaMax: FACADE_MALLOC_ARENA_MAX ?? null, facadeEnv: Object.keys(plan.facadeEnv) }, null, 2)}\n`);
  process.exit(0);
}

if (!existsSync(join(DIST, 'src/app.factory.js'))) {
  log(`no compiled app in ${DIST}: run \`npm run build\` first (npm run bench does)`);
  process.exit(2);
}
sweepStaleRuns(join(HERE, '.tmp'));
rmSync(TMP, { recursive: true, force: true });
mkdirSync(TMP, { recursive: true });
const load = (path) => import(pathToFileURL(join(DIST, path)).href);
const children = [];
const started = performance.now();

try {
  const results = await main();
  writeFileSync(OUT, JSON.stringify(results, null, 2) + '\n');
  log(`results written to ${OUT}`);
  if (plan.writesBenchmarksMd) writeBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), results);
  for (const t of results.targets) log(`${t.met ? 'MET   ' : 'MISSED'} ${t.name}: ${t.value} (target ${t.target})`);
} finally {
  for (const c of children.reverse()) await stopChild(c).catch(() => undefined);
  rmSync(TMP, { recursive: true, force: true });
}
process.exit(0);

async function main() {
  const machineBefore = machineInfo();
  // 1. The canned upstream.
  const upstream = await startChild(join(HERE, 'lib/canned-upstream.js'), {
    env: { BENCH_DIST: DIST, BENCH_PATIENTS: PATIENTS.join(','), BENCH_UPSTREAM_PATH: '/fhir' },
  });
  children.push(upstream.child);
  const upstreamPort = upstream.message.port;
  const upstreamOrigin = `http://127.0.0.1:${upstreamPort}`;
  log(`canned upstream on ${upstreamOrigin}`);

  // 2. The local IdP and real user tokens (authorization code + PKCE), audience = the facade's FHIR base.
  // The tests' port helper; Node runs the .ts itself, and loading its type stripper takes ~0.17 s. So it is loaded
  // here, once a run starts (not for --help, --dry-run or a bad argument), and never by lib/processes.js, which the
  // facade's child process imports: there it would add to the facade's measured start-up and memory.
  const { freePort } = await import('../test/support/free-port.ts');
  const facadePort = await freePort();
  const facadeOrigin = `http://127.0.0.1:${facadePort}`;
  const fhirBase = `${facadeOrigin}/fhir`;
  const { startLocalIdp } = await load('src/sandbox/local-idp.server.js');
  const { obtainUserToken } = await load('src/sandbox/token-flow.js');
  const idp = await startLocalIdp({ port: 0, fhirAudience: fhirBase });
  const tokens = {};
  for (const id of PATIENTS) {
    tokens[id] = (await obtainUserToken({ issuer: idp.issuer, user: `Patient/${id}`, scope: SCOPE, aud: fhirBase })).access_token;
  }
  log(`${PATIENTS.length} patient tokens from the local IdP ${idp.issuer}`);

  // 3. Baselines.
  const targets = { direct: { origin: upstreamOrigin } };
  const upstreamPid = upstream.child.pid;
  const notes = {};
  if (WANTED_TARGETS.has('fastify')) {
    const proxy = await startChild(join(HERE, 'lib/fastify-proxy.js'), { env: { BENCH_UPSTREAM: upstreamOrigin } });
    children.push(proxy.child);
    targets.fastify = { origin: `http://127.0.0.1:${proxy.message.port}`, pid: proxy.child.pid };
  }
  if (WANTED_TARGETS.has('nginx') && plan.nginx) {
    const bin = SMOKE ? findNginx() : ensureNginx({ install: true, log });
    if (bin) {
      const port = await freePort();
      const nginx = await startNginx(bin, { dir: join(TMP, 'nginx'), port, upstreamPort, probePath: '/fhir/metadata' });
      children.push(nginx.guard);
      targets.nginx = { origin: `http://127.0.0.1:${port}`, pid: nginx.pid };
      log(`nginx on ${targets.nginx.origin} (master pid ${nginx.pid})`);
      notes.nginx = nginxVersion(bin);
    } else notes.nginx = 'skipped: nginx not installed';
  } else notes.nginx = 'skipped';

  // 4. The facade, in its own process; start-up = fork to the first 200 from /health/ready.
  const facadeEnv = {
    APP_PROFILE: 'local',
    PORT: String(facadePort),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: facadeOrigin,
    FHIR_BASE_URL: `${upstreamOrigin}/fhir`,
    AUTH_ISSUERS: JSON.stringify([{ issuer: idp.issuer, audiences: [fhirBase], jwksUri: idp.jwksUri }]),
    LOG_LEVEL: 'info',
    AUDIT_STORE_PATH: join(TMP, 'audit', 'audit.sqlite'),
    NODE_ENV: 'production',
    MALLOC_ARENA_MAX: FACADE_MALLOC_ARENA_MAX,
    ...plan.facadeEnv, // experiments (--facade-env)
  };
  const execArgv = [...(plan.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', join(HERE, '.tmp', 'prof')] : []), ...FACADE_NODE_FLAGS];
  const facadeScript = await bundleFacade();
  const forkedAt = performance.now();
  const facadeStarting = startChild(facadeScript, {
    env: facadeEnv,
    execArgv,
    // Experiments: V8's traces (--facade-flags="... --trace-gc-nvp") go to stdout, with the request log lines.
    stdio: plan.facadeStdout ? 'inherit' : 'ignore',
    isReady: (m) => m?.listening,
  });
  // A facade that exits before it is ready ends the run at once, with its stderr (rather than an unhandled
  // rejection that would kill this process before the children are stopped).
  const diedFirst = facadeStarting.then(() => new Promise(() => undefined));
  const readyMs = await Promise.race([waitFor200(`${facadeOrigin}/health/ready`, forkedAt), diedFirst]);
  const facade = await facadeStarting;
  children.push(facade.child);
  targets.facade = { origin: facadeOrigin, pid: facade.child.pid };
  const startup = { readyMs: Math.round(readyMs), listeningUptimeMs: facade.message.uptimeMs, memoryAtListenMb: facade.message.memoryAtListenMb, rssAtReadyMb: memoryOf(facade.child.pid)?.rssMb };
  log(`facade ready in ${startup.readyMs} ms on ${facadeOrigin}`);
  const rss = sampleRss(facade.child.pid);

  // 5. Workloads.
  const headers = (id) => ({ authorization: `Bearer ${tokens[id]}`, accept: 'application/fhir+json' });
  const reqA = (id) => ({ path: `/fhir/Patient/${id}`, headers: headers(id) });
  const reqB = (id) => ({ path: `/fhir/Observation?patient=${id}&_count=50&_include=Observation:subject`, headers: headers(id) });
  const reqC = (id) => ({ path: '/bff/portal/me', headers: headers(id) });
  const portal = await probePortal(facadeOrigin, reqC(PATIENTS[0]), facade.message.portalRoute);
  if (portal.body !== undefined) upstream.child.send({ cannedPortal: portal.body });
  const checks = await sanityChecks(facadeOrigin, reqA(PATIENTS[0]), reqB(PATIENTS[0]));
  const workloads = [
    { id: 'A', title: 'GET /fhir/Patient/<id>, patient token', requests: [reqA(PATIENTS[0])] },
    { id: 'B', title: 'GET /fhir/Observation?patient=<id>&_count=50&_include=Observation:subject (50 + 1 entries)', requests: [reqB(PATIENTS[0])] },
    { id: 'C', title: 'GET /bff/portal/me', requests: [reqC(PATIENTS[0])], skipped: portal.skipped },
    {
      id: 'D',
      title: `mix of ${portal.skipped ? 'A and B' : 'A, B and C'} with ${PATIENTS.length} distinct patient tokens`,
      requests: PATIENTS.flatMap((id) => [reqA(id), reqB(id), ...(portal.skipped ? [] : [reqC(id)])]),
    },
  ].filter((w) => WANTED_WORKLOADS.has(w.id));

  const pacedClient = await startPacedClient();
  const measured = [];
  for (const w of workloads) {
    if (w.skipped) {
      log(`workload ${w.id} skipped: ${w.skipped}`);
      measured.push({ id: w.id, title: w.title, skipped: w.skipped });
      continue;
    }
    rss.mark(w.id);
    const names = Object.keys(targets);
    const connections = SETTINGS.connections;
    for (const name of names) await warmUp(targets[name].origin, w.requests, { connections, seconds: SETTINGS.warmUpSeconds });
    // What each phase cost: CPU per request of the target process and of the upstream behind it, and the facade's
    // time by thread (what the request thread and the audit writer each cost, and whether the request thread was
    // running, waiting for a core or idle, waiting for I/O).
    const meter = (name) => costMeter({ pid: targets[name].pid, upstreamPid, byThread: name === 'facade' });
    // Saturation in turns (lib/turns.js): slices of about 2 s, the targets in a rotating order.
    const slices = Object.fromEntries(names.map((name) => [name, { results: [], meter: meter(name) }]));
    const sliceTotal = sliceCount(SETTINGS.saturationSeconds);
    for (let k = 0; k < sliceTotal; k++) {
      for (const name of turnOrder(names, k)) {
        const slice = () => saturate(targets[name].origin, w.requests, { connections, seconds: SETTINGS.saturationSeconds / sliceTotal });
        slices[name].results.push(await slices[name].meter.measure(slice));
      }
    }
    // Latency at the fixed rate, one target after the other, each phase whole and, as before the turns, right after
    // load on the same target: 2 s at saturation, unmeasured, so that no target's phase starts from the idle
    // stretch the other targets' phases gave it (V8 shrinks an idle heap; log 26).
    const byTarget = {};
    for (const name of names) {
      const merged = mergeSaturation(slices[name].results);
      const saturation = { ...merged, ...slices[name].meter.total(merged.requests) };
      const latency = { rate: SETTINGS.rate, seconds: SETTINGS.latencySeconds };
      await warmUp(targets[name].origin, w.requests, { connections, seconds: SATURATION_BEFORE_LATENCY_SECONDS });
      if (PACED_WARM_UP_SECONDS > 0) await pacedClient.run(targets[name].origin, w.requests, { ...latency, seconds: PACED_WARM_UP_SECONDS });
      const fixedRateMeter = meter(name);
      const paced = await fixedRateMeter.measure(() => pacedClient.run(targets[name].origin, w.requests, latency));
      const fixedRate = { ...paced, ...fixedRateMeter.total(paced.requests) };
      byTarget[name] = { saturation, fixedRate };
      log(`${w.id} ${name.padEnd(7)} ${String(saturation.rps).padStart(8)} req/s  cpu ${saturation.cpuMsPerRequest} ms/req  @${SETTINGS.rate}/s p50 ${fixedRate.latencyMs.p50} ms p99 ${fixedRate.latencyMs.p99} ms cpu ${fixedRate.cpuMsPerRequest} ms/req   errors ${saturation.errors + saturation.non2xx + saturation.timeouts + fixedRate.errors + fixedRate.non2xx}`);
    }
    measured.push({ id: w.id, title: w.title, requestsPerCycle: w.requests.length, byTarget });
  }
  const memory = rss.stop();
  if (process.env.BENCH_HEAP_SNAPSHOT) facade.child.send({ heapSnapshot: process.env.BENCH_HEAP_SNAPSHOT });
  const runtime = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 2000);
    facade.child.on('message', (m) => {
      if (m?.stats) {
        clearTimeout(timer);
        resolve(m.stats);
      }
    });
    facade.child.send({ stats: true });
  });
  await idp.close();

  const results = {
    schema: 1,
    generatedAt: new Date().toISOString(),
    mode: plan.mode,
    ...(plan.overridden.length ? { overridden: plan.overridden } : {}),
    durationSeconds: Math.round((performance.now() - started) / 1000),
    machine: { ...machineBefore, loadAfter: machineInfo().load },
    settings: { ...SETTINGS, patients: PATIENTS, scope: SCOPE, facadeLogLevel: 'info (to /dev/null)', facadeBuild: 'bundled (rolldown.config.mjs)', latencyClient: `own process (lib/paced-client.js); before each phase ${SATURATION_BEFORE_LATENCY_SECONDS} s at saturation and ${PACED_WARM_UP_SECONDS} s at the rate, unmeasured`, saturationTurns: `${sliceCount(SETTINGS.saturationSeconds)} slices per target, in rotating turns (lib/turns.js)` },
    baselines: { direct: 'the canned upstream itself', fastify: '@fastify/reply-from, no logger', nginx: notes.nginx },
    upstreamBodyBytes: upstream.message.sizes,
    facade: { nodeFlags: FACADE_NODE_FLAGS, mallocArenaMax: facade.message.mallocArenaMax, environment: facade.message.environment, startup, memory, runtime, checks },
    workloads: summarise(measured),
  };
  results.targets = evaluate(results);
  return results;
}

/** The fixed-rate client in a process of its own (lib/paced-client.js). */
async function startPacedClient() {
  const { child } = await startChild(join(HERE, 'lib/paced-client.js'), { env: {} });
  children.push(child);
  return {
    run: (origin, requests, options) =>
      new Promise((resolve, reject) => {
        const exited = (code, signal) => reject(new Error(`the paced client exited (${code ?? signal}) before it answered`));
        child.once('exit', exited);
        child.once('message', (m) => {
          child.off('exit', exited);
          resolve(m.result);
        });
        child.send({ origin, requests, options });
      }),
  };
}

/**
 * The facade process as the service ships: lib/facade-child.js and the audit writer thread bundled with the
 * service's own options (rolldown.config.mjs, as `npm run build` bundles main.js) from the compiled tree under test.
 */
async function bundleFacade() {
  const { build } = await import('rolldown');
  const { bundleOptions } = await import(pathToFileURL(join(ROOT, 'rolldown.config.mjs')).href);
  const outDir = join(TMP, 'facade');
  const input = { 'facade-child': join(HERE, 'lib/facade-child.js'), 'audit-writer.worker': join(DIST, 'src/audit/audit-writer.worker.js') };
  await build({ ...bundleOptions({ input, outDir, alias: { '#facade-dist': DIST } }), logLevel: 'warn' });
  return join(outDir, 'facade-child.js');
}

/** Workload C runs only when the facade has the route (reported by the child) and it answers 200. */
async function probePortal(origin, req, hasRoute) {
  if (!hasRoute) return { skipped: 'GET /bff/portal/me does not exist in this build (src/bff/ in progress)' };
  const res = await fetch(origin + req.path, { headers: req.headers });
  const body = await res.text();
  if (res.status !== 200) return { skipped: `GET /bff/portal/me answered ${res.status} with the bench upstream` };
  return { body };
}

/** The facade really does its work on these responses: the right resources, SSNs masked. */
async function sanityChecks(origin, a, b) {
  const ssn = 'http://hl7.org/fhir/sid/us-ssn';
  const get = async (r) => {
    const res = await fetch(origin + r.path, { headers: r.headers });
    return { status: res.status, body: await res.json() };
  };
  const ra = await get(a);
  const rb = await get(b);
  const ssnOf = (p) => p?.identifier?.find((i) => i.system === ssn)?.value;
  const included = rb.body.entry?.find((e) => e.search?.mode === 'include')?.resource;
  const checks = {
    patientRead: ra.status === 200 && ra.body.resourceType === 'Patient',
    patientSsnMasked: typeof ssnOf(ra.body) === 'string' && !/^\d{3}-?\d{2}-?\d{4}$/.test(ssnOf(ra.body)),
    observationBundleEntries: rb.body.entry?.length ?? 0,
    includedPatientSsnMasked: included !== undefined && !/^\d{3}-?\d{2}-?\d{4}$/.test(ssnOf(included) ?? '000-00-0000'),
    fullUrlsRewritten: (rb.body.entry ?? []).every((e) => e.fullUrl?.startsWith(`${origin}/fhir/`)),
  };
  if (!checks.patientRead || !checks.patientSsnMasked || checks.observationBundleEntries !== 51 || !checks.includedPatientSsnMasked) {
    throw new Error(`the facade does not answer the bench workloads as expected: ${JSON.stringify(checks)}`);
  }
  return checks;
}
