/**
 * A FhirBackend on fhir-kit-client. The access token for the upstream comes from an
 * `@azure/identity` TokenCredential (managed identity in Azure, a local credential for the sandbox).
 * Upstream failures become OperationOutcome errors: 502 when unreachable, 504 past the deadline,
 * the upstream status otherwise (with its OperationOutcome, which is masked on the way out like any body).
 *
 * @see https://learn.microsoft.com/azure/healthcare-apis/fhir/use-postman (AHDS token scope `<fhir url>/.default`)
 */
import type { TokenCredential } from '@azure/core-auth';
import { Client } from 'fhir-kit-client';
import { badGateway, gatewayTimeout, isOperationOutcome, OperationOutcomeError, outcome } from '../fhir/outcomes.js';
import type { BackendRequest, BackendResponse, FhirBackend } from './fhir-backend.js';

const RESPONSE_HEADERS = ['location', 'content-location', 'etag', 'last-modified'] as const;

interface FhirKitError {
  response?: { status: number; data?: unknown };
}

export class FhirKitBackend implements FhirBackend {
  private readonly client: Client;

  constructor(
    readonly name: string,
    readonly baseUrl: string,
    private readonly credential: TokenCredential,
    private readonly tokenScope: string,
    private readonly timeoutMs: number,
  ) {
    this.client = new Client({ baseUrl });
  }

  async request(req: BackendRequest): Promise<BackendResponse> {
    // The caller's signal carries its deadline (the resilience policies); a bare call gets this backend's own.
    const signal = req.signal ?? AbortSignal.timeout(this.timeoutMs);
    const token = await this.credential.getToken(this.tokenScope, { abortSignal: signal });
    if (!token) throw badGateway();
    const headers: Record<string, string> = { authorization: `Bearer ${token.token}`, accept: 'application/fhir+json' };
    for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[k] = v;
    if (req.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/fhir+json';
    const url = req.query ? `${req.path}?${req.query}` : req.path;
    try {
      const result = await this.client.request(url, {
        method: req.method,
        body: typeof req.body === 'string' ? req.body : (req.body as object | undefined),
        options: { headers, signal },
      });
      const response = Client.httpFor(result).response as Response | undefined;
      return { status: response?.status ?? 200, body: isEmpty(result) ? undefined : result, headers: pick(response?.headers) };
    } catch (err) {
      throw this.translate(err, signal);
    }
  }

  async ping(): Promise<boolean> {
    try {
      const res = await this.request({ method: 'GET', path: 'metadata', query: '_summary=true' });
      return res.status === 200;
    } catch {
      return false;
    }
  }

  private translate(err: unknown, signal: AbortSignal): OperationOutcomeError {
    if (err instanceof OperationOutcomeError) return err;
    const fkErr = err as FhirKitError;
    if (fkErr?.response && typeof fkErr.response.status === 'number') {
      const status = fkErr.response.status;
      const body = isOperationOutcome(fkErr.response.data)
        ? fkErr.response.data
        : outcome('error', status === 404 ? 'not-found' : 'exception', `Upstream answered ${status}`);
      return new OperationOutcomeError(status >= 400 && status <= 599 ? status : 502, body);
    }
    if (signal.aborted) return gatewayTimeout();
    return badGateway();
  }
}

function pick(headers: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const name of RESPONSE_HEADERS) {
    const value = headers.get(name);
    if (value) out[name] = value;
  }
  return out;
}

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}
