/** Public surface of the SMART launch facade. */
export { LaunchModule } from './launch.module.js';
export { EhrLaunchService, type EhrLaunch, type EhrLaunchRequest } from './ehr-launch.service.js';
export { SmartAppRegistry } from './smart-app.registry.js';
export { createPatientPicker, type PatientChoice } from './patient-picker.js';
export { LAUNCH_CONTEXT_STORE, MemoryLaunchContextStore, storeKey, type LaunchContextStore } from './launch-context.store.js';
export { RedisLaunchContextStore } from './redis-launch-context.store.js';
export { toEntraScope, fromEntraScope, toEntraScopes, fromEntraScopes } from './entra-scopes.js';
