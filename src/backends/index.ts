export { createFhirBackend } from './backend.factory.js';
export { FHIR_BACKEND } from './fhir-backend.js';
export type { BackendMethod, BackendRequest, BackendResponse, FhirBackend } from './fhir-backend.js';
