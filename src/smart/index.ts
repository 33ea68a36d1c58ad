/**
 * Public surface of the SMART authorization policy layer: pure functions, no HTTP, no NestJS.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
export * from './smart-scope.parser.js';
export * from './fhir-interaction.js';
export { interactionFromRequest, mergeParams } from './fhir-interaction.parser.js';
export { isR4ResourceType } from './fhir-definitions.js';
export * from './patient-compartment.js';
