export { createFhirBackend } from './backend.factory.js';
export { FHIR_BACKEND } from './fhir-backend.js';
export type { BackendMethod, BackendRequest, BackendResponse, FhirBackend } from './fhir-backend.js';
export type { BackendOptions } from './backend.factory.js';
export { ResilientBackend, isBackendFailure } from './resilience/resilient.backend.js';
export { SOURCE_TAG_SYSTEM, SOURCE_URI_PREFIX } from './routing/source-tag.js';
