/**
 * Keep-alive connection pooling for every upstream call. fhir-kit-client uses the global `fetch`
 * (its `agent` option is ignored), so the pool is undici's global dispatcher.
 */
import { Agent, setGlobalDispatcher } from 'undici';

export function configureHttpPool(): void {
  setGlobalDispatcher(new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 128, pipelining: 1 }));
}
