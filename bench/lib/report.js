// Ratios, targets (issue 9) and the results section of BENCHMARKS.md, all from one run's numbers.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { round } from './load.js';

const BASELINES = ['direct', 'fastify', 'nginx'];
const LABEL = { direct: 'direct', fastify: 'Fastify proxy', nginx: 'nginx', facade: 'facade' };
const BEGIN = '<!-- bench:results:begin (written by `npm run bench`) -->';
const END = '<!-- bench:results:end -->';

export function machineInfo() {
  const cpu = cpus();
  let uptime;
  try {
    uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    uptime = undefined;
  }
  return {
    cpuModel: cpu[0]?.model,
    cores: cpu.length,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    freeMemoryGb: round(freemem() / 2 ** 30, 1),
    kernel: release(),
    node: process.version,
    load: loadavg().map((x) => round(x, 2)),
    uptime,
  };
}

/**
 * Adds, per workload, the facade's ratios to each baseline and its added latency, from the same run; and each
 * proxy's own added latency over the direct call (`proxyAddedLatencyMs`), the same measure for a bare hop, which
 * shows what this machine puts on any proxy in that run.
 */
export function summarise(measured) {
  return measured.map((w) => {
    if (w.skipped) return w;
    const f = w.byTarget.facade;
    if (!f) return w;
    const throughputRatio = {};
    const addedLatencyMs = {};
    const proxyAddedLatencyMs = {};
    for (const b of BASELINES) {
      const base = w.byTarget[b];
      if (!base) continue;
      throughputRatio[b] = round(f.saturation.rps / base.saturation.rps, 3);
      addedLatencyMs[b] = latencyOver(f, base);
      if (b !== 'direct' && w.byTarget.direct) proxyAddedLatencyMs[b] = latencyOver(base, w.byTarget.direct);
    }
    return { ...w, throughputRatio, addedLatencyMs, proxyAddedLatencyMs };
  });
}

/** p50 and p99 of `target` at the fixed rate minus those of `base`. */
const latencyOver = (target, base) => ({
  p50: round(target.fixedRate.latencyMs.p50 - base.fixedRate.latencyMs.p50, 3),
  p99: round(target.fixedRate.latencyMs.p99 - base.fixedRate.latencyMs.p99, 3),
});

const errorsOf = (r) => r.saturation.errors + r.saturation.timeouts + r.saturation.non2xx + r.fixedRate.errors + r.fixedRate.non2xx;

/** Each target of issue 9: its value in this run and whether it is met. */
export function evaluate(results) {
  const out = [];
  const w = Object.fromEntries(results.workloads.map((x) => [x.id, x]));
  const pct = (x) => `${round(x * 100, 1)} %`;
  for (const [id, min] of [['A', 0.6], ['B', 0.25]]) {
    const ratio = w[id]?.throughputRatio?.fastify;
    if (ratio === undefined) continue;
    out.push({ name: `throughput ${id} vs bare Fastify proxy`, target: `>= ${pct(min)}`, value: pct(ratio), met: ratio >= min });
  }
  for (const x of results.workloads) {
    const added = x.addedLatencyMs?.direct;
    if (!added) continue;
    const rate = results.settings.rate;
    out.push({ name: `added p50 latency over direct, ${x.id} at ${rate}/s`, target: '<= 1 ms', value: `${added.p50} ms`, met: added.p50 <= 1 });
    out.push({ name: `added p99 latency over direct, ${x.id} at ${rate}/s`, target: '<= 5 ms', value: `${added.p99} ms`, met: added.p99 <= 5 });
  }
  const peak = results.facade.memory.peakRssMb;
  out.push({ name: 'facade peak RSS (VmHWM)', target: '<= 250 MB', value: `${peak} MB`, met: peak > 0 && peak <= 250 });
  let errors = 0;
  for (const x of results.workloads) if (x.byTarget?.facade) errors += errorsOf(x.byTarget.facade);
  out.push({ name: 'facade errors (socket errors, timeouts, non-2xx)', target: '0', value: String(errors), met: errors === 0 });
  const ready = results.facade.startup.readyMs;
  out.push({ name: 'facade start-up to ready (fork to /health/ready 200)', target: '< 2000 ms', value: `${ready} ms`, met: ready < 2000 });
  return out;
}

function markdown(r) {
  const targets = ['direct', 'fastify', 'nginx', 'facade'];
  const present = targets.filter((t) => r.workloads.some((w) => w.byTarget?.[t]));
  const baselines = present.filter((t) => t !== 'facade');
  const lines = [];
  const m = r.machine;
  lines.push(`Run of ${r.generatedAt} (${r.mode}, ${r.durationSeconds} s). Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB RAM, Linux ${m.kernel}, Node ${m.node}.`);
  lines.push(`Load average before the run ${m.load.join(' / ')}, after ${m.loadAfter.join(' / ')} (other engineers' tests share the machine; compare ratios within this run, not absolute numbers across runs).`);
  lines.push('');
  lines.push(`Settings: ${r.settings.connections} connections, ${r.settings.warmUpSeconds} s warm-up, ${r.settings.saturationSeconds} s at saturation, ${r.settings.latencySeconds} s at ${r.settings.rate} req/s per workload and target. nginx: ${r.baselines.nginx}.`);
  lines.push('');
  lines.push('### Throughput at saturation (req/s)');
  lines.push('');
  lines.push(`| workload | ${present.map((t) => LABEL[t]).join(' | ')} | ${baselines.map((b) => `facade / ${LABEL[b]}`).join(' | ')} |`);
  lines.push(`|---|${present.map(() => '---:').join('|')}|${baselines.map(() => '---:').join('|')}|`);
  for (const w of r.workloads) {
    if (w.skipped) {
      lines.push(`| ${w.id}: ${w.title} | skipped: ${w.skipped} |`);
      continue;
    }
    const cells = present.map((t) => (w.byTarget[t] ? String(w.byTarget[t].saturation.rps) : 'n/a'));
    const ratios = baselines.map((b) => (w.throughputRatio?.[b] !== undefined ? `${round(w.throughputRatio[b] * 100, 1)} %` : 'n/a'));
    lines.push(`| ${w.id}: ${w.title} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
  lines.push('');
  lines.push(`### Latency at a fixed ${r.settings.rate} req/s (ms, p50 / p99)`);
  lines.push('');
  lines.push(`| workload | ${present.map((t) => LABEL[t]).join(' | ')} | facade added over direct (p50 / p99) | Fastify proxy added over direct (p50 / p99) |`);
  lines.push(`|---|${present.map(() => '---:').join('|')}|---:|---:|`);
  for (const w of r.workloads) {
    if (w.skipped) continue;
    const cells = present.map((t) => (w.byTarget[t] ? `${w.byTarget[t].fixedRate.latencyMs.p50} / ${w.byTarget[t].fixedRate.latencyMs.p99}` : 'n/a'));
    const added = w.addedLatencyMs?.direct;
    const overloaded = w.byTarget.facade && w.byTarget.facade.saturation.rps < r.settings.rate ? ` (${r.settings.rate}/s is above the facade's saturation throughput: queueing)` : '';
    const proxy = w.proxyAddedLatencyMs?.fastify;
    lines.push(`| ${w.id} | ${cells.join(' | ')} | ${added ? `${added.p50} / ${added.p99}` : 'n/a'}${overloaded} | ${proxy ? `${proxy.p50} / ${proxy.p99}` : 'n/a'} |`);
  }
  lines.push('');
  cpuTable(lines, r, present, 'saturation', 'at saturation (ms; proxy or facade process, and the upstream behind it)', {
    header: 'facade request thread: running / waiting for a core',
    cell: (th) => `${th.mainThread.runningPct} % / ${th.mainThread.waitingForCorePct} %`,
  });
  cpuTable(lines, r, present, 'fixedRate', `at ${r.settings.rate} req/s (ms; the same processes, during the latency phase)`, {
    header: 'facade request thread: waiting for a core per request',
    cell: (th) => `${th.mainThread.waitingForCoreMsPerRequest} ms`,
  });
  lines.push("By thread, from the kernel's scheduler accounting (`/proc/<pid>/task/<tid>/schedstat`) over each phase: the request thread, the audit writer (the facade's only worker thread) and the helpers (V8's GC and compiler threads, libuv's pool). A request thread that neither runs nor waits for a core is idle, waiting for I/O or the audit commit. At a fixed rate every process pays for each request's wake-ups on its own, so CPU per request there is higher than at saturation, for the proxies as for the facade.");
  lines.push('');
  const f = r.facade;
  lines.push(`Facade (V8 flags: ${f.nodeFlags?.length ? f.nodeFlags.join(' ') : 'none'}; MALLOC_ARENA_MAX ${f.mallocArenaMax ?? "glibc's default"}): ready ${f.startup.readyMs} ms after fork (listening at ${f.startup.listeningUptimeMs} ms of process uptime); peak RSS ${f.memory.peakRssMb} MB (VmHWM; largest 100 ms sample ${f.memory.maxSampledRssMb} MB${byWorkload(f.memory.maxSampledRssMbByWorkload)}).`);
  if (f.runtime) {
    const { eventLoopDelayMs: d, gc } = f.runtime;
    lines.push(`Facade runtime over the whole run: event-loop delay p50 ${d.p50} / p99 ${d.p99} / max ${d.max} ms (10 ms sampling timer, so ~10 ms is "no delay"); ${gc.count} GCs, ${gc.totalMs} ms in total, longest ${gc.maxMs} ms${gcKinds(gc.byKind)}.`);
  }
  lines.push(`Checks on the facade's answers: ${Object.entries(f.checks).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  lines.push('');
  lines.push('### Targets (issue 9)');
  lines.push('');
  lines.push('| target | required | this run | |');
  lines.push('|---|---|---|---|');
  for (const t of r.targets) lines.push(`| ${t.name} | ${t.target} | ${t.value} | ${t.met ? 'met' : '**missed**'} |`);
  return lines.join('\n');
}

/**
 * A table of CPU time per request in one phase (`saturation` or `fixedRate`): each process, the upstream behind the
 * direct call, the facade against the Fastify proxy, the facade by thread, and one more column about its request
 * thread (`mainThread`: its header and how a thread split fills it).
 */
function cpuTable(lines, r, present, phase, title, mainThread) {
  const processes = present.filter((t) => t !== 'direct');
  lines.push(`### CPU time per request ${title}`);
  lines.push('');
  lines.push(`| workload | ${processes.map((t) => LABEL[t]).join(' | ')} | upstream (direct) | facade / Fastify proxy | facade by thread: request / audit writer / helpers | ${mainThread.header} |`);
  lines.push(`|---|${processes.map(() => '---:').join('|')}|---:|---:|---:|---:|`);
  for (const w of r.workloads) {
    if (w.skipped) continue;
    const cpu = (t) => w.byTarget[t]?.[phase].cpuMsPerRequest;
    const ratio = cpu('facade') && cpu('fastify') ? `${round(cpu('facade') / cpu('fastify'), 1)} x` : 'n/a';
    const th = w.byTarget.facade?.[phase].threads;
    const byThread = th ? `${th.cpuMsPerRequest.mainThread} / ${th.cpuMsPerRequest.workerThreads} / ${th.cpuMsPerRequest.helpers}` : 'n/a';
    lines.push(`| ${w.id} | ${processes.map((t) => cpu(t) ?? 'n/a').join(' | ')} | ${w.byTarget.direct?.[phase].upstreamCpuMsPerRequest ?? 'n/a'} | ${ratio} | ${byThread} | ${th ? mainThread.cell(th) : 'n/a'} |`);
  }
  lines.push('');
}

/** Replaces the results section of BENCHMARKS.md (between the markers), keeping the prose around it. */
export function writeBenchmarksMd(path, results) {
  const section = `${BEGIN}\n${markdown(results)}\n${END}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : `# Benchmarks\n\n## Latest results\n\n${BEGIN}\n${END}\n`;
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  text = a === -1 || b === -1 ? `${text.trimEnd()}\n\n${section}\n` : text.slice(0, a) + section + text.slice(b + END.length);
  writeFileSync(path, text);
}

/** ` (minor 280, 3900 ms, longest 30 ms; major ...)` from the facade's GC counts by kind, when reported. */
function gcKinds(byKind) {
  if (!byKind || !Object.keys(byKind).length) return '';
  const parts = Object.entries(byKind).map(([kind, k]) => `${kind} ${k.count}, ${k.totalMs} ms, longest ${k.maxMs} ms`);
  return ` (${parts.join('; ')})`;
}

/** `; by workload A 240, B 262 ...` (largest RSS sample while each workload ran, all targets included), when reported. */
function byWorkload(peaks) {
  if (!peaks || !Object.keys(peaks).length) return '';
  return `; largest sample by workload ${Object.entries(peaks).map(([id, mb]) => `${id} ${mb}`).join(', ')} MB`;
}
