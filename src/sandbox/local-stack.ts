/**
 * The local profile's stack, on loopback, in this process: the FHIR sandbox (unless FHIR_BASE_URL
 * points elsewhere) and the local identity provider, which is then trusted alongside AUTH_ISSUERS.
 */
import { createFhirBackend } from '../backends/index.js';
import type { AppConfig } from '../config/index.js';
import { createPatientPicker } from '../launch/index.js';
import { startFhirSandbox } from './fhir-sandbox.server.js';
import { startLocalIdp } from './local-idp.server.js';

export interface LocalStack {
  /** The config with the sandbox as upstream and the local IdP trusted. */
  readonly config: AppConfig;
  readonly upstreamBaseUrl: string;
  readonly idpIssuer: string;
  readonly sandboxStarted: boolean;
  close(): Promise<void>;
}

export async function startLocalStack(config: AppConfig): Promise<LocalStack> {
  const sandbox = config.fhirBaseUrl ? undefined : await startFhirSandbox({ port: config.sandboxFhirPort, host: '127.0.0.1' });
  const upstreamBaseUrl = config.fhirBaseUrl ?? sandbox!.url;
  const idp = await startLocalIdp({
    port: config.localIdpPort,
    fhirAudience: config.fhirBase,
    // The demo SMART app (client smart-app) served by the facade at /demo-app.
    redirectUris: [`${config.publicBaseUrl}/demo-app/index.html`],
    // Standalone launch by a practitioner: the picker offers only patients the provider access policy allows.
    patientPicker: createPatientPicker(createFhirBackend(config, upstreamBaseUrl), config.authorization.providerAccess),
  });
  return {
    config: {
      ...config,
      fhirBaseUrl: upstreamBaseUrl,
      // The local IdP first: it is the authorization server advertised to SMART clients.
      authIssuers: [{ issuer: idp.issuer, audiences: [config.fhirBase], jwksUri: idp.jwksUri }, ...config.authIssuers],
    },
    upstreamBaseUrl,
    idpIssuer: idp.issuer,
    sandboxStarted: sandbox !== undefined,
    async close() {
      await idp.close();
      await sandbox?.close();
    },
  };
}
