/**
 * Public surface of the SMART authorization policy layer: pure functions, no HTTP, no NestJS.
 *
 * Typical use (FhirAccessService, the one access path of every FHIR and BFF route):
 * 1. `authorizeRequest(principal, interaction, config)` → deny: `forbidden(decision.rule)`;
 *    allow: send `decision.narrowing?.params` upstream instead of the client's query;
 * 2. `passesProviderCheck(...)` before the backend call (practitioners), else `forbidden('provider-access-denied')`;
 * 3. on the way out `filterVisible(result, principal, decision)` (null → 404), then
 *    `filterByProviderAccess(...)` when `decision.providerCheck` is `{ fromResults: true }`.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
export * from './smart-scope.parser.js';
export * from './fhir-interaction.js';
export { interactionFromRequest, mergeParams } from './fhir-interaction.parser.js';
export { isR4ResourceType } from './fhir-definitions.js';
export * from './patient-compartment.js';
export * from './authorization.types.js';
export { authorizeRequest, buildRules, type AuthorizeOptions } from './authorization.policy.js';
export { deniedBatchEntry, interactionFromBundleEntry, type BundleEntryStates } from './bundle-authorization.js';
export { resourceMatchesScopeQuery, scopeQueryNarrowing } from './scope-query.matcher.js';
export { effectiveScopes, patientInContext } from './scope-grants.js';
export { filterVisible, isVisible } from './compartment.filter.js';
export {
  decideProviderAccess,
  filterByProviderAccess,
  passesProviderCheck,
  type ProviderAccessChecker,
  type ProviderAccessFacts,
} from './provider-access.policy.js';
export * from './smart-configuration.js';
