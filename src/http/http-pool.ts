/**
 * Keep-alive connection pooling for every upstream call. The FHIR backends (undici `request`) use a pool that also
 * bounds the size of an answer (UPSTREAM_MAX_RESPONSE_BYTES): undici stops reading and closes the connection
 * past it, so no upstream can make the facade buffer more. Anything that uses the global `fetch` (token endpoints,
 * JWKS) shares undici's global dispatcher, with the same pooling.
 */
import { Agent, setGlobalDispatcher, type Dispatcher } from 'undici';

const POOL: Agent.Options = { keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 128, pipelining: 1 };

export function configureHttpPool(): void {
  setGlobalDispatcher(new Agent(POOL));
}

const bounded = new Map<number, Dispatcher>();

/** The pool for FHIR upstream calls whose answers may be at most `maxResponseBytes` long (one pool per limit). */
export function upstreamDispatcher(maxResponseBytes: number): Dispatcher {
  let dispatcher = bounded.get(maxResponseBytes);
  if (!dispatcher) {
    dispatcher = new Agent({ ...POOL, maxResponseSize: maxResponseBytes });
    bounded.set(maxResponseBytes, dispatcher);
  }
  return dispatcher;
}
