/**
 * An upstream error can echo what the client sent (an SSN in a search value, a name): the OperationOutcome
 * leaving the facade is masked for the caller like any other body.
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import type { BackendRequest, BackendResponse, FhirBackend } from '../backends/index.js';
import { loadConfig } from '../config/index.js';
import { loadMaskingPolicy } from '../masking/index.js';
import { PolicyResponseMasker } from '../masking/response-masker.js';
import { FhirAccessService } from './fhir-access.service.js';
import { FhirService } from './fhir.service.js';
import { OperationOutcomeError, outcome } from './outcomes.js';

class EchoingBackend implements FhirBackend {
  readonly name = 'echo';
  readonly baseUrl = 'http://upstream.invalid/fhir';
  async request(req: BackendRequest): Promise<BackendResponse> {
    throw new OperationOutcomeError(400, outcome('error', 'invalid', `Unknown value in query: ${req.query}`));
  }
  async ping() {
    return true;
  }
}

const patient: Principal = {
  issuer: 'https://idp.example.org',
  subject: 'Patient/pat-001',
  clientId: 'patient-portal',
  kind: 'patient',
  fhirUser: 'Patient/pat-001',
  patient: 'pat-001',
  scopes: ['patient/Observation.rs'],
  roles: [],
  expiresAt: Math.floor(Date.now() / 1000) + 300,
};

describe('upstream errors are masked', () => {
  it('an SSN echoed in an upstream OperationOutcome does not reach the caller', async () => {
    const config = loadConfig({});
    const backend = new EchoingBackend();
    const masker = new PolicyResponseMasker(loadMaskingPolicy(), () => Buffer.from(config.maskingHashKey));
    const service = new FhirAccessService(new FhirService(backend, config), backend, config, masker);
    const error = await service
      .handle(
        { interaction: 'search-type', resourceType: 'Observation', params: { code: ['123-45-6789'] } },
        { principal: patient, record: { patients: new Set() } },
      )
      .catch((e: unknown) => e as OperationOutcomeError);
    expect(error).toBeInstanceOf(OperationOutcomeError);
    const text = JSON.stringify((error as OperationOutcomeError).outcome);
    expect(text).toContain('Unknown value');
    expect(text).not.toContain('123-45-6789');
  });
});
