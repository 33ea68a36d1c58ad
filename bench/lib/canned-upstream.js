// A fast canned FHIR upstream for the benchmark, run as a child process (so the facade, not the upstream,
// is measured). Serves pre-serialised FHIR JSON built once from the project's deterministic synthetic data
// generator, for the bench patients only:
//   GET <base>/metadata                         a small CapabilityStatement (readiness probe)
//   GET <base>/Patient/<id>                     the Patient
//   GET <base>/Observation?patient=<id>&...     a 50-entry searchset Bundle + the Patient (_include=Observation:subject)
//   GET <base>/<Type>?patient=<id>|subject=...  a searchset Bundle of that patient's <Type> resources (what a BFF needs)
//   GET /bff/portal/me                          a canned body set by the parent (`cannedPortal` message): what the
//                                               baseline proxies deliver for workload C
// The query is not interpreted beyond the patient it names, so narrowing by the facade costs the upstream nothing.
// Protocol: started with BENCH_DIST, BENCH_PATIENTS (comma list) and BENCH_UPSTREAM_PATH (the base path, e.g. /fhir);
// sends { ready: true, port } over IPC once listening.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exitWithParent } from './processes.js';

exitWithParent();
const DIST = process.env.BENCH_DIST;
const PATIENTS = (process.env.BENCH_PATIENTS ?? 'pat-001').split(',');
const BASE_PATH = process.env.BENCH_UPSTREAM_PATH ?? '/fhir';
const OBSERVATIONS_PER_BUNDLE = 50;

const { generateSyntheticData } = await import(pathToFileURL(join(DIST, 'src/sandbox/synthetic-data.generator.js')).href);

/** Does this resource belong to the patient (a reference to Patient/<id> anywhere in it, or the Patient itself)? */
const belongsTo = (resource, id) => (resource.resourceType === 'Patient' ? resource.id === id : JSON.stringify(resource).includes(`"Patient/${id}"`));

const all = generateSyntheticData();
const JSON_HEADERS = { 'content-type': 'application/fhir+json; charset=utf-8' };
let origin = '';
/** Canned bodies by key, filled once the port (and so the absolute fullUrls the facade rewrites) is known. */
const canned = new Map();
let portalBody = Buffer.from('{}');

function searchset(type, query, matches, included = []) {
  return {
    resourceType: 'Bundle',
    id: `bench-${type}-${matches.length}`,
    meta: { lastUpdated: '2026-01-01T00:00:00Z' },
    type: 'searchset',
    total: matches.length,
    link: [{ relation: 'self', url: `${origin}${BASE_PATH}/${type}?${query}` }],
    entry: [
      ...matches.map((r) => ({ fullUrl: `${origin}${BASE_PATH}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })),
      ...included.map((r) => ({ fullUrl: `${origin}${BASE_PATH}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'include' } })),
    ],
  };
}

/** The patient's Observations repeated (with distinct ids and dates) up to 50: the generator makes 8 per patient. */
function fiftyObservations(own) {
  const out = [];
  for (let n = 0; out.length < OBSERVATIONS_PER_BUNDLE; n++) {
    const base = own[n % own.length];
    const round = Math.floor(n / own.length);
    const day = String(1 + (round % 28)).padStart(2, '0');
    out.push({ ...base, id: round ? `${base.id}-r${round}` : base.id, effectiveDateTime: base.effectiveDateTime?.replace(/-\d\dT/, `-${day}T`) });
  }
  return out;
}

function build() {
  for (const id of PATIENTS) {
    const patient = all.find((r) => r.resourceType === 'Patient' && r.id === id);
    if (!patient) throw new Error(`no synthetic patient ${id}`);
    const own = all.filter((r) => r.resourceType !== 'Patient' && belongsTo(r, id));
    canned.set(`Patient/${id}`, Buffer.from(JSON.stringify(patient)));
    const observations = fiftyObservations(own.filter((r) => r.resourceType === 'Observation'));
    canned.set(`Observation|${id}`, Buffer.from(JSON.stringify(searchset('Observation', `patient=${id}&_count=50&_include=Observation:subject`, observations, [patient]))));
    for (const type of new Set(own.map((r) => r.resourceType))) {
      if (type === 'Observation') continue;
      canned.set(`${type}|${id}`, Buffer.from(JSON.stringify(searchset(type, `patient=${id}`, own.filter((r) => r.resourceType === type)))));
    }
    // The portal summary asks for Observations by category (vital-signs, laboratory).
    for (const obs of own.filter((r) => r.resourceType === 'Observation')) {
      for (const code of new Set((obs.category ?? []).flatMap((c) => (c.coding ?? []).map((x) => x.code)))) {
        const key = `Observation|${id}|${code}`;
        if (canned.has(key)) continue;
        const matches = own.filter((r) => r.resourceType === 'Observation' && JSON.stringify(r.category ?? []).includes(`"code":"${code}"`));
        canned.set(key, Buffer.from(JSON.stringify(searchset('Observation', `patient=${id}&category=${code}`, matches))));
      }
    }
    canned.set(`*|${id}`, Buffer.from(JSON.stringify(searchset('Bundle', `patient=${id}`, []))));
  }
  canned.set('metadata', Buffer.from(JSON.stringify({
    resourceType: 'CapabilityStatement', status: 'active', date: '2026-01-01', kind: 'instance', fhirVersion: '4.0.1', format: ['json'],
    rest: [{ mode: 'server', resource: [{ type: 'Patient' }, { type: 'Observation' }] }],
  })));
}

const NOT_FOUND = Buffer.from(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }));
const PATIENT_PARAM = /(?:^|&)(?:patient|subject)=(?:Patient(?:\/|%2F))?([A-Za-z0-9\-.]+)/;
const CATEGORY_PARAM = /(?:^|&)category=([A-Za-z0-9\-]+)/;

function answer(url) {
  if (url === '/bff/portal/me' || url.startsWith('/bff/portal/me?')) return portalBody;
  if (!url.startsWith(`${BASE_PATH}/`)) return undefined;
  const rest = url.slice(BASE_PATH.length + 1);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  if (path === 'metadata') return canned.get('metadata');
  if (path.includes('/')) return canned.get(path);
  const query = q === -1 ? '' : rest.slice(q + 1);
  const m = PATIENT_PARAM.exec(query);
  if (!m) return undefined;
  const category = CATEGORY_PARAM.exec(query);
  // A type the patient has nothing of (Appointment) is an empty searchset, as a FHIR server answers.
  return canned.get(category ? `${path}|${m[1]}|${category[1]}` : `${path}|${m[1]}`) ?? canned.get(`*|${m[1]}`);
}

const server = createServer((req, res) => {
  const body = answer(req.url ?? '');
  res.writeHead(body ? 200 : 404, JSON_HEADERS);
  res.end(body ?? NOT_FOUND);
});
server.keepAliveTimeout = 120_000;
process.on('message', (msg) => {
  if (msg?.cannedPortal !== undefined) portalBody = Buffer.from(msg.cannedPortal);
});
server.listen(0, '127.0.0.1', () => {
  origin = `http://127.0.0.1:${server.address().port}`;
  build();
  const sizes = Object.fromEntries([...canned].map(([k, v]) => [k, v.length]));
  process.send?.({ ready: true, port: server.address().port, sizes });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
