/**
 * Assembles the RoutingBackend: the primary (already resilient), one adapter per configured EMR with its
 * patient cross-walk and result translator, the route table and the merged-search engine.
 */
import { PRIMARY_BACKEND, secretNames, type AppConfig } from '../../config/index.js';
import type { SecretsProvider } from '../../secrets/index.js';
import { createEmrAdapter } from '../emr/emr.factory.js';
import { PatientCrosswalk } from '../emr/patient-crosswalk.js';
import type { FhirBackend } from '../fhir-backend.js';
import { EmrResultTranslator } from './emr-result.translator.js';
import { MergedSearch, type SearchSource } from './merged-search.js';
import { RouteTable } from './route-table.js';
import { RoutingBackend } from './routing.backend.js';
import { SearchCursorCodec } from './search-cursor.js';

export function createRoutingBackend(config: AppConfig, primary: FhirBackend, secrets: SecretsProvider): RoutingBackend {
  const { backends } = config;
  const sources = new Map<string, SearchSource>([[PRIMARY_BACKEND, { name: PRIMARY_BACKEND, backend: primary }]]);
  for (const emr of backends.emrs) {
    const adapter = createEmrAdapter(emr, secrets, backends.resilience);
    const crosswalk = new PatientCrosswalk(
      { backend: primary, mrnSystem: backends.patientMrnSystem },
      { backend: adapter.backend, mrnSystem: adapter.mrnSystem },
      backends.crosswalkTtlMs,
    );
    const translator = new EmrResultTranslator(emr.name, adapter.backend.baseUrl, crosswalk);
    sources.set(emr.name, { name: emr.name, backend: adapter.backend, emr: { adapter, crosswalk, translator } });
  }
  const cursors = new SearchCursorCodec(() => secrets.get(secretNames.maskingHashKey));
  return new RoutingBackend(primary, sources, new RouteTable(backends.routes), new MergedSearch(primary.baseUrl, cursors, backends.mergedSearchFailure));
}
