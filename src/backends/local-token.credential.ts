/**
 * The credential for the local FHIR sandbox, which does not check tokens: it hands out a fixed,
 * clearly non-secret token so the request path is the same as with AHDS (a TokenCredential per call).
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';

export class LocalSandboxCredential implements TokenCredential {
  async getToken(): Promise<AccessToken> {
    return { token: 'local-sandbox-no-auth', expiresOnTimestamp: Date.now() + 3600_000 };
  }
}
