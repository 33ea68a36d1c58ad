/**
 * The local stack's public surface: the FHIR sandbox and its deterministic synthetic data, and the local
 * identity provider with its demo users and token flows.
 */
export {
  startFhirSandbox,
  createSandboxEngine,
  SANDBOX_BASE_PATH,
  SEED_LAST_UPDATED,
  type FhirSandbox,
  type FhirSandboxOptions,
} from './fhir-sandbox.server.js';
export { SandboxRepository } from './fhir-sandbox.repository.js';
export { loadFhirDefinitions, getPatientCompartment } from './fhir-sandbox.definitions.js';
export {
  generateSyntheticData,
  describeSandbox,
  SANDBOX_SEED,
  SANDBOX_PANELS,
  REFERENCE_DATE,
  SYSTEMS as SANDBOX_SYSTEMS,
  type SandboxSummary,
  type SandboxPatientSummary,
} from './synthetic-data.generator.js';
export { formatSsn } from './synthetic-data.patient.js';

// Local identity provider, demo users and token flows (written alongside; re-exported here).
export * from './local-idp.server.js';
export * from './demo-users.js';
export * from './token-flow.js';
