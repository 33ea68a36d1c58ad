/**
 * Loads the FHIR R4 definitions Medplum's engine needs into `@medplum/core`'s global schema: the
 * StructureDefinitions (for `validateResource` and FHIRPath typing) and the SearchParameters (for
 * search, `_include`/`_revinclude` and chained parameters in the `MemoryRepository`). Without the search
 * parameters every search filter silently matches nothing.
 *
 * @see https://hl7.org/fhir/R4/searchparameter-registry.html
 */
import { ensureSearchParameters, ensureStructureDefinitions } from '../smart/fhir-definitions.js';

/** Indexes the R4 base StructureDefinitions and SearchParameters once per process. Idempotent. */
export function loadFhirDefinitions(): void {
  ensureStructureDefinitions();
  ensureSearchParameters();
}

/** The R4 Patient CompartmentDefinition, as published with the specification. */
export { patientCompartmentDefinition as getPatientCompartment } from '../smart/fhir-definitions.js';
