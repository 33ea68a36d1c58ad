/**
 * Loads, validates and compiles the masking policy once, at start-up. Any problem stops the start with one
 * error that names the rule (or field) at fault; a policy that half-loads would leak.
 *
 * @see https://hl7.org/fhirpath/N1/
 */
import { existsSync, readFileSync } from 'node:fs';
import { compileSelector } from './fhirpath-selector.js';
import {
  CALLER_KINDS,
  MASKING_METHODS,
  type AppliesTo,
  type CompiledDataClass,
  type CompiledExtensionRule,
  type CompiledMaskingPolicy,
  type CompiledRule,
} from './masking-policy.types.js';

/** Thrown when the policy file is missing or invalid; the message names the rule or field. */
export class MaskingPolicyError extends Error {
  constructor(message: string) {
    super(`Masking policy: ${message}`);
    this.name = 'MaskingPolicyError';
  }
}

export const DEFAULT_POLICY_FILE = 'masking-policy.v1.json';

/**
 * Where the default policy is looked for, in order: beside this module (`src/masking/policies/` when run
 * from source), then `src/masking/policies/` of the project root when run from `dist/src/masking/`
 * (tsc does not copy JSON into dist).
 */
export function defaultPolicyLocations(file = DEFAULT_POLICY_FILE): URL[] {
  return [
    new URL(`./policies/${file}`, import.meta.url),
    new URL(`../../../src/masking/policies/${file}`, import.meta.url),
  ];
}

/** Reads and compiles the policy file: `path` when given, else the first of {@link defaultPolicyLocations}. */
export function loadMaskingPolicy(options: { path?: string | URL } = {}): CompiledMaskingPolicy {
  const candidates = options.path ? [options.path] : defaultPolicyLocations();
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new MaskingPolicyError(`policy file not found (looked in ${candidates.map(String).join(', ')})`);
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(found, 'utf8'));
  } catch (error) {
    throw new MaskingPolicyError(`${String(found)} is not valid JSON: ${(error as Error).message}`);
  }
  return compileMaskingPolicy(document);
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length > 0);

function fail(where: string, problem: string): never {
  throw new MaskingPolicyError(`${where}: ${problem}`);
}

function checkAppliesTo(where: string, value: unknown): AppliesTo | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) fail(where, '"appliesTo" must be an object');
  for (const key of Object.keys(value)) {
    if (!['kinds', 'roles', 'clients'].includes(key)) fail(where, `"appliesTo.${key}" is not a known field`);
    const list = value[key];
    if (!isStringArray(list) || list.length === 0) fail(where, `"appliesTo.${key}" must be a non-empty list of strings`);
  }
  const kinds = value.kinds as string[] | undefined;
  const unknownKind = kinds?.find((kind) => !(CALLER_KINDS as readonly string[]).includes(kind));
  if (unknownKind) fail(where, `unknown caller kind "${unknownKind}" (expected one of ${CALLER_KINDS.join(', ')})`);
  return value as AppliesTo;
}

function compileDataClasses(value: unknown): Map<string, CompiledDataClass> {
  if (!isObject(value)) fail('dataClasses', 'must be an object');
  const classes = new Map<string, CompiledDataClass>();
  for (const [name, spec] of Object.entries(value)) {
    const where = `data class "${name}"`;
    if (!isObject(spec)) fail(where, 'must be an object');
    const systems = spec.identifierSystems ?? [];
    const types = spec.identifierTypes ?? [];
    const patterns = spec.textPatterns ?? [];
    if (!isStringArray(systems)) fail(where, '"identifierSystems" must be a list of strings');
    if (!isStringArray(patterns)) fail(where, '"textPatterns" must be a list of strings');
    if (!Array.isArray(types) || !types.every((t) => isObject(t) && typeof t.system === 'string' && typeof t.code === 'string')) {
      fail(where, '"identifierTypes" must be a list of { system, code }');
    }
    for (const pattern of patterns) {
      try {
        new RegExp(pattern, 'g');
      } catch (error) {
        fail(where, `text pattern does not compile: ${(error as Error).message}`);
      }
    }
    classes.set(name, {
      name,
      identifierSystems: new Set(systems),
      identifierTypes: types as { system: string; code: string }[],
      textPatterns: patterns,
    });
  }
  return classes;
}

function compileRule(value: unknown, index: number, classes: ReadonlyMap<string, CompiledDataClass>, ids: Set<string>): CompiledRule {
  if (!isObject(value) || typeof value.id !== 'string' || !value.id) fail(`rule #${index + 1}`, 'needs a non-empty string "id"');
  const id = value.id;
  const where = `rule "${id}"`;
  if (ids.has(id)) fail(where, 'duplicate rule id');
  ids.add(id);
  const method = value.method;
  if (!(MASKING_METHODS as readonly unknown[]).includes(method)) {
    fail(where, `unknown method ${JSON.stringify(method)} (expected one of ${MASKING_METHODS.join(', ')})`);
  }
  if (method === 'substitute' && value.value === undefined) fail(where, 'method "substitute" needs a "value"');
  if (typeof value.selector !== 'string' || !value.selector.trim()) fail(where, 'needs a FHIRPath "selector"');
  const dataClass = value.dataClass;
  if (dataClass !== undefined && (typeof dataClass !== 'string' || !classes.has(dataClass))) {
    fail(where, `unknown data class ${JSON.stringify(dataClass)}`);
  }
  let selector: ReturnType<typeof compileSelector>;
  try {
    selector = compileSelector(value.selector);
  } catch (error) {
    fail(where, `selector does not compile: ${(error as Error).message}`);
  }
  return {
    id,
    method: method as CompiledRule['method'],
    value: value.value,
    dataClass: dataClass as string | undefined,
    appliesTo: checkAppliesTo(where, value.appliesTo),
    selector: value.selector,
    evaluate: selector.evaluate,
    anchor: selector.anchor,
    elementCriteria: selector.elementCriteria,
  };
}

function compileExtensionRule(value: unknown, index: number, ids: Set<string>): CompiledExtensionRule {
  if (!isObject(value) || typeof value.id !== 'string' || !value.id) fail(`extension rule #${index + 1}`, 'needs a non-empty string "id"');
  const where = `extension rule "${value.id}"`;
  if (ids.has(value.id)) fail(where, 'duplicate rule id');
  ids.add(value.id);
  if (!isStringArray(value.urls) || value.urls.length === 0) fail(where, '"urls" must be a non-empty list of strings');
  if (value.action !== 'remove' && value.action !== 'keep') fail(where, '"action" must be "remove" or "keep"');
  return {
    id: value.id,
    urls: new Set(value.urls),
    anyUrl: value.urls.includes('*'),
    action: value.action,
    appliesTo: checkAppliesTo(where, value.appliesTo),
  };
}

/**
 * Validates a parsed policy document and compiles every selector (R4 model). Throws
 * {@link MaskingPolicyError} naming the first rule or field that is wrong.
 */
export function compileMaskingPolicy(document: unknown): CompiledMaskingPolicy {
  if (!isObject(document)) fail('document', 'must be a JSON object');
  if (document.version !== 1) fail('version', `unsupported version ${JSON.stringify(document.version)} (expected 1)`);
  if (!isStringArray(document.firstPartyClients ?? [])) fail('firstPartyClients', 'must be a list of client ids');
  const token = document.redactionToken;
  if (typeof token !== 'string' || !token || /[0-9]/.test(token)) fail('redactionToken', 'must be a non-empty string without digits');
  const dataClasses = compileDataClasses(document.dataClasses ?? {});
  if (!Array.isArray(document.rules)) fail('rules', 'must be a list');
  const ids = new Set<string>();
  const rules = document.rules.map((rule, index) => compileRule(rule, index, dataClasses, ids));
  if (!Array.isArray(document.extensions ?? [])) fail('extensions', 'must be a list');
  const extensions = ((document.extensions ?? []) as unknown[]).map((rule, index) => compileExtensionRule(rule, index, ids));
  return {
    version: 1,
    firstPartyClients: new Set((document.firstPartyClients ?? []) as string[]),
    redactionToken: token,
    dataClasses,
    rules,
    extensions,
  };
}
