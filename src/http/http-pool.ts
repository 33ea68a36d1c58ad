/**
 * Keep-alive connection pooling for every upstream call: the FHIR backends (undici `request`) and anything that
 * uses the global `fetch` (token endpoints, JWKS) share undici's global dispatcher.
 */
import { Agent, setGlobalDispatcher } from 'undici';

export function configureHttpPool(): void {
  setGlobalDispatcher(new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 128, pipelining: 1 }));
}
