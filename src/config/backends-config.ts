/**
 * Configuration of the FHIR backends behind the facade: the EMRs (Epic, Oracle Health/Cerner), which
 * resource types and interactions go where, resilience settings, and where secrets come from.
 * Read from the environment once, by `loadConfig`; problems are reported through its one ConfigError.
 *
 * @see https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
import { intReader, jsonArray } from './config-readers.js';

export type EmrName = 'epic' | 'cerner';
export const EMR_NAMES: readonly EmrName[] = ['epic', 'cerner'];
/** The name routes use for the primary FHIR server (AHDS, or the sandbox / FHIR_BASE_URL locally). */
export const PRIMARY_BACKEND = 'ahds';

export interface EmrConfig {
  readonly name: EmrName;
  /** FHIR R4 base URL of the EMR, no trailing slash. */
  readonly fhirBaseUrl: string;
  /** Token endpoint for SMART Backend Services (also the client assertion's `aud`). */
  readonly tokenUrl: string;
  /** Scopes requested with client_credentials. */
  readonly scope: string;
  /** Identifier system of the MRN in this EMR (the cross-walk key). */
  readonly mrnSystem: string;
}

/** One routing rule: these types (and interactions, all reads when unset) go to these backends, merged in this order. */
export interface RouteRule {
  readonly types: readonly string[];
  readonly backends: readonly string[];
  readonly interactions?: readonly string[];
}

export interface ResilienceConfig {
  /** Deadline of one attempt (UPSTREAM_TIMEOUT_MS). */
  readonly attemptTimeoutMs: number;
  /** Deadline of a whole backend call, retries included. */
  readonly deadlineMs: number;
  /** Retries after the first attempt, idempotent reads only. */
  readonly retries: number;
  readonly retryBaseDelayMs: number;
  readonly breakerFailures: number;
  readonly breakerHalfOpenMs: number;
  readonly bulkheadLimit: number;
  readonly bulkheadQueue: number;
  /** Longest upstream answer body the facade takes in (502 `too-costly` beyond; never retried). */
  readonly maxResponseBytes: number;
}

export interface BackendsConfig {
  readonly emrs: readonly EmrConfig[];
  readonly routes: readonly RouteRule[];
  /** `partial`: other backends' results plus an OperationOutcome entry; `fail`: the whole search fails. */
  readonly mergedSearchFailure: 'partial' | 'fail';
  /** MRN identifier system of the primary FHIR server (facade patient ids are its Patient ids). */
  readonly patientMrnSystem: string;
  readonly crosswalkTtlMs: number;
  readonly resilience: ResilienceConfig;
}

export interface SecretsConfig {
  /** How long a fetched secret is served before it is fetched again (rotation without restart). */
  readonly refreshMs: number;
  /** Local profile: a directory with one file per secret, named as the secret (`epic-private-key`). */
  readonly dir?: string;
  /** Local profile: secret values given directly (from the environment). */
  readonly values: Readonly<Record<string, string>>;
  /** Local profile: secret name -> file path, read again at every refresh. */
  readonly files: Readonly<Record<string, string>>;
}

type Env = Readonly<Record<string, string | undefined>>;
type Bad = (name: string, why: string) => void;

const MIB = 1_048_576;
const SANDBOX_MRN_SYSTEM = 'urn:oid:2.16.840.1.113883.19.5.99999.1';
export const DEFAULT_EMR_SCOPE = 'system/Patient.rs system/Appointment.rs system/Slot.rs system/Schedule.rs system/MedicationRequest.rs';
const READ_INTERACTIONS = ['read', 'vread', 'search-type'];

/** Secret names (Key Vault names: letters, digits, dashes). */
export const secretNames = {
  maskingHashKey: 'masking-hash-key',
  /** The client secret of the facade's own Entra app registration (the azure patient picker's sign-in). */
  facadeClientSecret: 'facade-client-secret',
  clientId: (emr: EmrName) => `${emr}-client-id`,
  privateKey: (emr: EmrName) => `${emr}-private-key`,
} as const;

export function parseBackendsConfig(env: Env, url: (name: string, required: boolean) => string | undefined, bad: Bad): BackendsConfig {
  const int = intReader(env, bad);
  // Validated (and reported) by loadConfig; read quietly here.
  const upstreamTimeoutMs = intReader(env, () => undefined)('UPSTREAM_TIMEOUT_MS', 10_000, 100, 120_000);
  const emrs: EmrConfig[] = [];
  for (const name of EMR_NAMES) {
    const prefix = name.toUpperCase();
    const fhirBaseUrl = url(`${prefix}_FHIR_BASE_URL`, false);
    if (!fhirBaseUrl) continue;
    const tokenUrl = url(`${prefix}_TOKEN_URL`, true);
    const mrnSystem = env[`${prefix}_MRN_SYSTEM`];
    if (!mrnSystem) bad(`${prefix}_MRN_SYSTEM`, `is required with ${prefix}_FHIR_BASE_URL`);
    if (tokenUrl && mrnSystem) emrs.push({ name, fhirBaseUrl, tokenUrl, mrnSystem, scope: env[`${prefix}_SCOPE`] || DEFAULT_EMR_SCOPE });
  }
  const known = new Set([PRIMARY_BACKEND, ...emrs.map((e) => e.name)]);
  const routes = parseRoutes(env.FHIR_ROUTES, known, bad) ?? defaultRoutes(emrs);
  const mode = env.MERGED_SEARCH_FAILURE ?? 'partial';
  if (mode !== 'partial' && mode !== 'fail') bad('MERGED_SEARCH_FAILURE', "must be 'partial' or 'fail'");
  const deadlineMs = int('UPSTREAM_DEADLINE_MS', upstreamTimeoutMs * 2, 100, 300_000);
  if (deadlineMs < upstreamTimeoutMs) bad('UPSTREAM_DEADLINE_MS', 'must be at least UPSTREAM_TIMEOUT_MS');
  return {
    emrs,
    routes,
    mergedSearchFailure: mode === 'fail' ? 'fail' : 'partial',
    patientMrnSystem: env.PATIENT_MRN_SYSTEM || SANDBOX_MRN_SYSTEM,
    crosswalkTtlMs: int('CROSSWALK_TTL_MS', 15 * 60_000, 0, 24 * 3_600_000),
    resilience: {
      attemptTimeoutMs: upstreamTimeoutMs,
      deadlineMs,
      retries: int('UPSTREAM_RETRIES', 2, 0, 5),
      retryBaseDelayMs: int('UPSTREAM_RETRY_BASE_DELAY_MS', 100, 1, 10_000),
      breakerFailures: int('BREAKER_FAILURES', 5, 1, 1000),
      breakerHalfOpenMs: int('BREAKER_HALF_OPEN_MS', 30_000, 10, 600_000),
      bulkheadLimit: int('BULKHEAD_LIMIT', 64, 1, 10_000),
      bulkheadQueue: int('BULKHEAD_QUEUE', 1000, 0, 100_000),
      maxResponseBytes: int('UPSTREAM_MAX_RESPONSE_BYTES', 16 * MIB, 64 * 1024, 256 * MIB),
    },
  };
}

export function parseSecretsConfig(env: Env, bad: Bad): SecretsConfig {
  const values: Record<string, string> = {};
  const files: Record<string, string> = {};
  for (const name of EMR_NAMES) {
    const prefix = name.toUpperCase();
    const clientId = env[`${prefix}_CLIENT_ID`];
    if (clientId) values[secretNames.clientId(name)] = clientId;
    const keyFile = env[`${prefix}_PRIVATE_KEY_FILE`];
    if (keyFile) files[secretNames.privateKey(name)] = keyFile;
  }
  if (env.FACADE_CLIENT_SECRET) values[secretNames.facadeClientSecret] = env.FACADE_CLIENT_SECRET;
  return {
    refreshMs: intReader(env, bad)('SECRETS_REFRESH_MS', 5 * 60_000, 0, 24 * 3_600_000),
    dir: env.SECRETS_DIR || undefined,
    values,
    files,
  };
}

/** Appointment, Slot and Schedule from the EMRs; MedicationRequest from AHDS and the EMRs together. */
function defaultRoutes(emrs: readonly EmrConfig[]): RouteRule[] {
  if (!emrs.length) return [];
  const names = emrs.map((e) => e.name);
  return [
    { types: ['Appointment', 'Slot', 'Schedule'], backends: names },
    { types: ['MedicationRequest'], backends: [PRIMARY_BACKEND, ...names] },
  ];
}

function parseRoutes(raw: string | undefined, known: ReadonlySet<string>, bad: Bad): RouteRule[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const parsed = jsonArray('FHIR_ROUTES', raw, bad, 'a JSON array of {"types": [...], "backends": [...], "interactions"?: [...]}');
  if (!parsed) return [];
  const rules: RouteRule[] = [];
  parsed.forEach((item: unknown, i) => {
    const r = item as Partial<Record<'types' | 'backends' | 'interactions', unknown>>;
    const strings = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== '');
    if (!strings(r?.types) || !strings(r?.backends)) return bad(`FHIR_ROUTES[${i}]`, 'needs non-empty "types" and "backends"');
    const backends = r.backends as string[];
    if (backends.some((b) => !known.has(b))) return bad(`FHIR_ROUTES[${i}]`, `names a backend that is not configured (known: ${[...known].join(', ')})`);
    if (r.interactions !== undefined && (!strings(r.interactions) || !(r.interactions as string[]).every((x) => READ_INTERACTIONS.includes(x)))) {
      return bad(`FHIR_ROUTES[${i}]`, `"interactions" must be among ${READ_INTERACTIONS.join(', ')}`);
    }
    rules.push({ types: r.types as string[], backends, ...(r.interactions ? { interactions: r.interactions as string[] } : {}) });
  });
  return rules;
}
