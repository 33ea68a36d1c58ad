/**
 * SMART on FHIR scope parsing: v1 (`read` / `write` / `*`), v2 (`cruds`), granular v2 scopes with a
 * search query, `system/` scopes, launch-context and identity scopes, and the Entra ID spellings
 * (`patient.Observation.read`, `patient.all.read`, `%2f` in queries, an audience URL prefix).
 *
 * Parsing never throws on input: a malformed scope is `null` and grants nothing.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-fhir-resources
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#finer-grained-resource-constraints-using-search-parameters
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-context-data
 * @see https://learn.microsoft.com/azure/healthcare-apis/fhir/smart-on-fhir
 */
import { getSearchParameter } from '@medplum/core';
import { ensureSearchParameters, isR4ResourceType } from './fhir-definitions.js';

/** Whose data a resource scope reaches: the patient in context, what the user may see, or a backend service. */
export type ScopeContext = 'patient' | 'user' | 'system';

/** One SMART v2 permission letter: create, read, update, delete, search. */
export type SmartPermission = 'c' | 'r' | 'u' | 'd' | 's';

/** The v2 letters in the order the specification requires them. */
export const PERMISSION_ORDER: readonly SmartPermission[] = ['c', 'r', 'u', 'd', 's'];

/** Context and identity scopes (they grant no resource access themselves). */
export const CONTEXT_SCOPES = [
  'launch',
  'launch/patient',
  'launch/encounter',
  'openid',
  'fhirUser',
  'profile',
  'offline_access',
  'online_access',
] as const;
export type ContextScopeName = (typeof CONTEXT_SCOPES)[number];

/** A parsed resource scope such as `patient/Observation.rs?category=…|laboratory`. */
export interface ResourceScope {
  readonly kind: 'resource';
  /** The scope in normalised SMART text (as written: v1 stays v1). */
  readonly text: string;
  readonly context: ScopeContext;
  /** A resource type, or `*` for every type. */
  readonly resourceType: string;
  /** Granted v2 letters in `cruds` order (v1 mapped: read = rs, write = cud, * = cruds). */
  readonly permissions: readonly SmartPermission[];
  /** 1 for `read`/`write`/`*`, 2 for letters. */
  readonly version: 1 | 2;
  /** Granular constraint (v2 only): search parameters, values decoded, in a `Record<code, values>`. */
  readonly query?: Readonly<Record<string, readonly string[]>>;
}

/** A parsed context or identity scope such as `launch/patient` or `openid`. */
export interface ContextScope {
  readonly kind: 'context';
  readonly text: string;
  readonly name: ContextScopeName;
}

export type SmartScope = ResourceScope | ContextScope;

/** Every recognised scope of a token, split by kind; malformed scopes are listed apart and grant nothing. */
export interface ScopeSet {
  readonly resources: readonly ResourceScope[];
  readonly context: ReadonlySet<ContextScopeName>;
  readonly rejected: readonly string[];
}

const CONTEXT_SET: ReadonlySet<string> = new Set(CONTEXT_SCOPES);
const V1_PERMISSIONS: Readonly<Record<string, readonly SmartPermission[]>> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};
/** `ctx/Type.perm` with nothing else in the head; the query is handled apart. */
const RESOURCE_HEAD = /^(patient|user|system)\/([A-Za-z]+|\*)\.([A-Za-z*]+)$/;
/** Entra ID spelling `ctx.Type.perm`, `all` standing for `*`. */
const ENTRA_HEAD = /^(patient|user|system)\.([A-Za-z]+)\.([A-Za-z*]+)$/;
/** The SMART part at the end of an audience-prefixed scope (`https://host/fhir/patient.Observation.rs`). */
const AUDIENCE_TAIL = /(?:^|\/)((?:patient|user|system)[./][^/]+)$/;

/**
 * Normalises one scope string to SMART syntax: strips an audience URL prefix, rewrites the Entra
 * dot form (`patient.Observation.read` → `patient/Observation.read`, `all` → `*`, `launch.patient` →
 * `launch/patient`) and decodes `%2f` inside a granular query. Returns `undefined` when the result is
 * not a valid SMART scope (e.g. Microsoft Graph's `User.Read`), so callers can drop it.
 *
 * @see https://learn.microsoft.com/azure/healthcare-apis/fhir/smart-on-fhir#scopes
 */
export function normalizeScope(raw: string): string | undefined {
  const text = normalizeText(raw);
  return text !== undefined && parseNormalized(text) ? text : undefined;
}

/** Parses one scope (SMART or Entra spelling). Returns `null` for anything malformed or unknown. */
export function parseScope(raw: string): SmartScope | null {
  const text = normalizeText(raw);
  return text === undefined ? null : parseNormalized(text);
}

/**
 * Parses a token's scopes: a space-separated string (`scope` claim) or a list (`scp` array, Principal.scopes).
 * Malformed entries are skipped into `rejected`; duplicates are kept once.
 */
export function parseScopes(input: string | readonly string[]): ScopeSet {
  const items = typeof input === 'string' ? input.split(/\s+/) : input.flatMap((s) => s.split(/\s+/));
  const resources: ResourceScope[] = [];
  const context = new Set<ContextScopeName>();
  const rejected: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (!item) continue;
    const scope = parseScope(item);
    if (!scope) {
      rejected.push(item);
    } else if (scope.kind === 'context') {
      context.add(scope.name);
    } else if (!seen.has(scope.text)) {
      seen.add(scope.text);
      resources.push(scope);
    }
  }
  return { resources, context, rejected };
}

/** Formats v2 letters in `cruds` order, e.g. `['s', 'r']` → `rs`. */
export function formatPermissions(permissions: Iterable<SmartPermission>): string {
  const set = new Set(permissions);
  return PERMISSION_ORDER.filter((p) => set.has(p)).join('');
}

function normalizeText(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const trimmed = raw.trim();
  if (!trimmed || /\s/.test(trimmed)) return undefined;
  const q = trimmed.indexOf('?');
  let head = q < 0 ? trimmed : trimmed.slice(0, q);
  let query = q < 0 ? undefined : trimmed.slice(q + 1);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(head)) {
    // Entra requests scopes as `<application id URI>/<scope>`: keep only the scope.
    const tail = AUDIENCE_TAIL.exec(head.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, ''));
    head = tail ? tail[1]! : head.slice(head.lastIndexOf('/') + 1);
  }
  const entra = ENTRA_HEAD.exec(head);
  if (entra) head = `${entra[1]}/${entra[2] === 'all' ? '*' : entra[2]}.${entra[3]}`;
  if (head === 'launch.patient' || head === 'launch.encounter') head = head.replace('.', '/');
  if (query !== undefined) query = query.replace(/%2f/gi, '/');
  return query === undefined ? head : `${head}?${query}`;
}

function parseNormalized(text: string): SmartScope | null {
  if (CONTEXT_SET.has(text)) return { kind: 'context', text, name: text as ContextScopeName };
  const q = text.indexOf('?');
  const head = q < 0 ? text : text.slice(0, q);
  const match = RESOURCE_HEAD.exec(head);
  if (!match) return null;
  const context = match[1] as ScopeContext;
  const resourceType = match[2]!;
  const perm = match[3]!;
  if (resourceType !== '*' && !isR4ResourceType(resourceType)) return null;
  const v1 = V1_PERMISSIONS[perm];
  const permissions = v1 ?? parseV2Letters(perm);
  if (!permissions) return null;
  const version = v1 ? 1 : 2;
  if (q < 0) return { kind: 'resource', text, context, resourceType, permissions, version };
  // Granular constraints exist only in v2 and only on a concrete type.
  if (version === 1 || resourceType === '*') return null;
  const query = parseScopeQuery(resourceType, text.slice(q + 1));
  if (!query) return null;
  return { kind: 'resource', text, context, resourceType, permissions, version, query };
}

/** `cruds` letters, non-empty, each at most once and in order; anything else is malformed. */
function parseV2Letters(perm: string): SmartPermission[] | undefined {
  let last = -1;
  const out: SmartPermission[] = [];
  for (const ch of perm) {
    const idx = PERMISSION_ORDER.indexOf(ch as SmartPermission);
    if (idx <= last) return undefined;
    last = idx;
    out.push(ch as SmartPermission);
  }
  return out.length ? out : undefined;
}

/** Parses `a=b&c=d`; every code must be a known search parameter of the type (else the scope is malformed). */
function parseScopeQuery(resourceType: string, query: string): Record<string, string[]> | undefined {
  if (!query) return undefined;
  ensureSearchParameters();
  const out: Record<string, string[]> = {};
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    const code = safeDecode(pair.slice(0, eq));
    const value = safeDecode(pair.slice(eq + 1).replace(/\+/g, ' '));
    if (code === undefined || value === undefined || value === '') return undefined;
    // Only plain parameters: no chains, no `_has`, no result parameters.
    const base = code.split(':')[0]!;
    if (code.includes('.') || base.startsWith('_has') || !getSearchParameter(resourceType, base)) return undefined;
    (out[code] ??= []).push(value);
  }
  return out;
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
