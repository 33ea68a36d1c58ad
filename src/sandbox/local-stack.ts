/**
 * The local profile's stack, on loopback, in this process: the FHIR sandbox (unless FHIR_BASE_URL
 * points elsewhere) and the local identity provider, which is then trusted alongside AUTH_ISSUERS.
 */
import { createFhirBackend } from '../backends/index.js';
import { DEFAULT_EMR_SCOPE, type AppConfig } from '../config/index.js';
import { bindSecretsProvider, localSecretsProvider } from '../secrets/index.js';
import { LOCAL_FHIR_ROUTES, startEmrSandboxes, type EmrSandboxes } from './emr-sandbox.stack.js';
import { EMR_SYSTEMS } from './emr-sandbox.data.js';
import { createPatientPicker } from '../launch/index.js';
import { startFhirSandbox } from './fhir-sandbox.server.js';
import { startLocalIdp } from './local-idp.server.js';

export interface LocalStack {
  /** The config with the sandbox as upstream and the local IdP trusted. */
  readonly config: AppConfig;
  readonly upstreamBaseUrl: string;
  readonly idpIssuer: string;
  readonly sandboxStarted: boolean;
  /** FHIR bases of the local EMR sandboxes (started with the FHIR sandbox when no EMR is configured). */
  readonly emrSandboxes?: { readonly epic: string; readonly cerner: string };
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
  const emr = sandbox && !config.backends.emrs.length ? await startEmrSandboxes() : undefined;
  const local: AppConfig = {
    ...config,
    fhirBaseUrl: upstreamBaseUrl,
    // The local IdP first: it is the authorization server advertised to SMART clients.
    authIssuers: [{ issuer: idp.issuer, audiences: [config.fhirBase], jwksUri: idp.jwksUri }, ...config.authIssuers],
    ...(emr ? { backends: withEmrSandboxes(config, emr) } : {}),
  };
  if (emr) {
    // The facade's keys at the EMR sandboxes were generated just now: the secrets provider holds them in memory.
    const secrets = localSecretsProvider(local);
    for (const [name, value] of Object.entries(emr.secrets)) secrets.set(name, value);
    bindSecretsProvider(local, secrets);
  }
  return {
    config: local,
    upstreamBaseUrl,
    idpIssuer: idp.issuer,
    sandboxStarted: sandbox !== undefined,
    ...(emr ? { emrSandboxes: { epic: emr.epic.fhirBaseUrl, cerner: emr.cerner.fhirBaseUrl } } : {}),
    async close() {
      await idp.close();
      await sandbox?.close();
      await emr?.close();
    },
  };
}

/** Epic-like and Cerner-like sandboxes as the configured EMRs, with the local routes unless FHIR_ROUTES says otherwise. */
function withEmrSandboxes(config: AppConfig, emr: EmrSandboxes): AppConfig['backends'] {
  const sandbox = (name: 'epic' | 'cerner') => ({
    name,
    fhirBaseUrl: emr[name].fhirBaseUrl,
    tokenUrl: emr[name].tokenUrl,
    mrnSystem: EMR_SYSTEMS[name].mrn,
    scope: DEFAULT_EMR_SCOPE,
  });
  return { ...config.backends, emrs: [sandbox('epic'), sandbox('cerner')], routes: config.backends.routes.length ? config.backends.routes : LOCAL_FHIR_ROUTES };
}
