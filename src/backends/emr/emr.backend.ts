/**
 * The FhirBackend of an EMR: the facade's HTTP backend with a SMART Backend Services credential. On a 401 from the EMR
 * (token revoked or expired early) it gets one fresh token and retries once. An EMR's 401/403 never reaches
 * the caller as such (it is about the facade's credentials, not the caller's), nor its 5xx: they become 502
 * (503 and 504 keep their meaning).
 *
 * @see https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
import { badGateway, OperationOutcomeError, UpstreamTooLargeError } from '../../fhir/outcomes.js';
import type { BackendRequest, BackendResponse, FhirBackend } from '../fhir-backend.js';
import { FhirHttpBackend, type UpstreamLimits } from '../fhir-http.backend.js';
import type { SmartBackendCredential } from './smart-backend.credential.js';

export class EmrBackend implements FhirBackend {
  private readonly client: FhirHttpBackend;

  constructor(
    readonly name: string,
    readonly baseUrl: string,
    private readonly credential: SmartBackendCredential,
    scope: string,
    limits: UpstreamLimits,
  ) {
    this.client = new FhirHttpBackend(name, baseUrl, credential, scope, limits);
  }

  async request(req: BackendRequest): Promise<BackendResponse> {
    try {
      return await this.client.request(req);
    } catch (err) {
      if (!isStatus(err, 401)) throw this.hideAuthErrors(err);
      this.credential.invalidate();
      try {
        return await this.client.request(req);
      } catch (again) {
        throw this.hideAuthErrors(again);
      }
    }
  }

  async ping(): Promise<boolean> {
    return this.client.ping();
  }

  private hideAuthErrors(err: unknown): unknown {
    // Not the EMR's own answer: the facade's refusal of one too large has nothing of the EMR's to hide.
    if (!(err instanceof OperationOutcomeError) || err instanceof UpstreamTooLargeError) return err;
    const { status } = err;
    return status === 401 || status === 403 || (status >= 500 && status !== 503 && status !== 504) ? badGateway() : err;
  }
}

function isStatus(err: unknown, status: number): boolean {
  return err instanceof OperationOutcomeError && err.status === status;
}
