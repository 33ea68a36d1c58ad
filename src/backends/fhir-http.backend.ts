/**
 * A FhirBackend over undici's `request` on the pooled keep-alive dispatcher (src/http/http-pool.ts). The access
 * token for the upstream comes from an `@azure/identity` TokenCredential (managed identity in Azure, a local
 * credential for the sandbox). Upstream failures become OperationOutcome errors: 502 when unreachable or when the
 * answer is not FHIR JSON, 504 past the deadline, 502 `too-costly` when the answer is longer than the facade takes
 * in (undici stops reading it: no upstream can make the facade buffer more), the upstream status otherwise (with its
 * OperationOutcome, which is masked on the way out like any body). Redirects are not followed: a FHIR server the
 * facade fronts has no business sending its token elsewhere.
 *
 * Why not fhir-kit-client (the design card's client): it builds a WHATWG `Request` and calls the global `fetch`
 * for every call; on the facade's hot path that was the largest single cost (issue 9, BENCHMARKS.md). The
 * facade used only its generic `request`, which this class does with one parse of the body.
 *
 * @see https://learn.microsoft.com/azure/healthcare-apis/fhir/use-postman (AHDS token scope `<fhir url>/.default`)
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { TokenCredential } from '@azure/core-auth';
import { errors, request as httpRequest, type Dispatcher } from 'undici';
import { badGateway, gatewayTimeout, isOperationOutcome, OperationOutcomeError, outcome, upstreamTooLarge } from '../fhir/outcomes.js';
import { upstreamDispatcher } from '../http/http-pool.js';
import type { BackendRequest, BackendResponse, FhirBackend } from './fhir-backend.js';

export interface UpstreamLimits {
  /** Deadline of a call made without the caller's signal (UPSTREAM_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** Longest answer body taken in (UPSTREAM_MAX_RESPONSE_BYTES). */
  readonly maxResponseBytes: number;
}

const RESPONSE_HEADERS = ['location', 'content-location', 'etag', 'last-modified'] as const;

type ResponseHeaders = Record<string, string | string[] | undefined>;

export class FhirHttpBackend implements FhirBackend {
  /** `<base>/`: request paths are relative to it. */
  private readonly prefix: string;
  private readonly dispatcher: Dispatcher;

  constructor(
    readonly name: string,
    readonly baseUrl: string,
    private readonly credential: TokenCredential,
    private readonly tokenScope: string,
    private readonly limits: UpstreamLimits,
  ) {
    this.prefix = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.dispatcher = upstreamDispatcher(limits.maxResponseBytes);
  }

  async request(req: BackendRequest): Promise<BackendResponse> {
    // The caller's signal carries its deadline (the resilience policies); a bare call gets this backend's own.
    const signal = req.signal ?? AbortSignal.timeout(this.limits.timeoutMs);
    const token = await this.credential.getToken(this.tokenScope, { abortSignal: signal });
    if (!token) throw badGateway();
    const headers: Record<string, string> = { authorization: `Bearer ${token.token}`, accept: 'application/fhir+json' };
    for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[k] = v;
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/fhir+json';
    const url = `${this.prefix}${req.path}${req.query ? `?${req.query}` : ''}`;

    let status: number;
    let responseHeaders: ResponseHeaders;
    let text: string;
    try {
      const res = await httpRequest(url, { method: req.method, headers, body, signal, dispatcher: this.dispatcher });
      status = res.statusCode;
      responseHeaders = res.headers;
      text = await res.body.text();
    } catch (err) {
      if (err instanceof errors.ResponseExceededMaxSizeError) throw upstreamTooLarge();
      throw signal.aborted || err instanceof errors.RequestAbortedError ? gatewayTimeout() : badGateway();
    }
    const parsed = parseJson(text);
    if (status < 200 || status > 299) throw upstreamError(status, parsed);
    if (parsed === NOT_JSON) throw badGateway();
    return { status, body: parsed === undefined || isEmpty(parsed) ? undefined : parsed, headers: pick(responseHeaders) };
  }

  async ping(): Promise<boolean> {
    try {
      const res = await this.request({ method: 'GET', path: 'metadata', query: '_summary=true' });
      return res.status === 200;
    } catch {
      return false;
    }
  }
}

const NOT_JSON = Symbol('not JSON');

/** The body as JSON: undefined when empty, NOT_JSON when it is something else (an HTML error page, say). */
function parseJson(text: string): object | undefined | typeof NOT_JSON {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : NOT_JSON;
  } catch {
    return NOT_JSON;
  }
}

/** A non-2xx answer: 4xx/5xx keep their status and the upstream's OperationOutcome (if it sent one); 1xx/3xx are 502. */
function upstreamError(status: number, body: unknown): OperationOutcomeError {
  const detail = isOperationOutcome(body) ? body : outcome('error', status === 404 ? 'not-found' : 'exception', `Upstream answered ${status}`);
  return new OperationOutcomeError(status >= 400 && status <= 599 ? status : 502, detail);
}

function pick(headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of RESPONSE_HEADERS) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first) out[name] = first;
  }
  return out;
}

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}
