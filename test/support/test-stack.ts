/**
 * The real local stack for e2e and security suites: the Medplum FHIR sandbox over HTTP, the local
 * oidc-provider (tokens through real authorization-code + PKCE flows), a second test issuer whose key
 * the tests hold, and the facade itself on a real port. Nothing is mocked.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { createFhirBackend } from '../../src/backends/index.js';
import { bindSecretsProvider, localSecretsProvider, type LocalSecretsProvider } from '../../src/secrets/index.js';
import { startEmrSandboxes, type EmrSandboxes } from '../../src/sandbox/emr-sandbox.stack.js';
import { loadConfig, type AppConfig, type TrustedIssuerConfig } from '../../src/config/index.js';
import { startFhirSandbox } from '../../src/sandbox/fhir-sandbox.server.js';
import { createPatientPicker } from '../../src/launch/index.js';
import { startLocalIdp } from '../../src/sandbox/local-idp.server.js';
import { obtainUserToken } from '../../src/sandbox/token-flow.js';
import { freePort } from './free-port.js';
import { startTestIssuer, type TestIssuer } from './test-issuer.js';

export interface TestStack {
  readonly config: AppConfig;
  readonly baseUrl: string;
  readonly fhirBase: string;
  readonly upstreamBaseUrl: string;
  readonly idp: Awaited<ReturnType<typeof startLocalIdp>>;
  readonly testIssuer: TestIssuer;
  readonly app: NestFastifyApplication;
  /** The local EMR sandboxes, with `emr: true`. */
  readonly emr?: EmrSandboxes;
  /** The secrets the facade reads (EMR keys, masking key); tests rotate them here. */
  readonly secrets: LocalSecretsProvider;
  /** An access token for a demo user through the real auth-code + PKCE flow (cached per arguments). */
  token(user: string, scope: string, patient?: string, clientId?: string): Promise<string>;
  /** A backend-service token (system scopes) from the test issuer: the suites' oracle for what is stored. */
  systemToken(scope?: string): Promise<string>;
  /** `fetch` against the facade; `path` is relative to the FHIR base unless it starts with `/`. */
  fetch(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestStackOptions {
  /** Extra environment for loadConfig (e.g. UPSTREAM_TIMEOUT_MS). */
  readonly env?: Record<string, string>;
  /** Use this upstream instead of starting the sandbox. */
  readonly upstreamBaseUrl?: string;
  /** Also start the Epic-like and Cerner-like EMR sandboxes and route to them (see emr-sandbox.stack.ts). */
  readonly emr?: boolean | { readonly defaultCount?: number };
  /** Collect the app's JSON log lines here (LOG_LEVEL defaults to silent otherwise). */
  readonly logLines?: string[];
  /** Limit practitioners' standalone-launch patient choice at the IdP to the provider access policy (picker page). */
  readonly patientPicker?: boolean;
  /**
   * The authorization server the facade fronts (the first trusted issuer), e.g. the Entra stand-in; the local
   * IdP and the test issuer stay trusted after it.
   */
  readonly authorizationServer?: TrustedIssuerConfig;
  /**
   * The azure profile's code paths (Entra scope conversion, no local-only routes) on the local stack: the
   * configuration is read as local (http URLs on loopback) and then marked azure; the FHIR backend keeps the
   * local credential.
   */
  readonly azureProfile?: boolean;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  const fhirBase = `${publicBaseUrl}/fhir`;
  const sandbox = options.upstreamBaseUrl ? undefined : await startFhirSandbox({ port: 0, host: '127.0.0.1' });
  const upstreamBaseUrl = options.upstreamBaseUrl ?? sandbox!.url;
  let picker: ReturnType<typeof createPatientPicker> | undefined;
  const idp = await startLocalIdp({
    port: 0,
    fhirAudience: fhirBase,
    // The demo SMART app served by the facade (local profile).
    redirectUris: [`${publicBaseUrl}/demo-app/index.html`],
    ...(options.patientPicker ? { patientPicker: (practitioner: string) => picker!(practitioner) } : {}),
  });
  const testIssuer = await startTestIssuer();
  const emr = options.emr ? await startEmrSandboxes(typeof options.emr === 'object' ? options.emr : {}) : undefined;
  const localConfig = loadConfig({
    ...emr?.env,
    APP_PROFILE: 'local',
    PORT: String(port),
    PUBLIC_BASE_URL: publicBaseUrl,
    FHIR_BASE_URL: upstreamBaseUrl,
    AUTH_ISSUERS: JSON.stringify([
      ...(options.authorizationServer ? [options.authorizationServer] : []),
      { issuer: idp.issuer, audiences: [fhirBase], jwksUri: idp.jwksUri },
      { issuer: testIssuer.issuer, audiences: [fhirBase] },
    ]),
    LOG_LEVEL: options.logLines ? 'trace' : 'silent',
    JWKS_COOLDOWN_MS: '0',
    AUDIT_STORE_PATH: join(mkdtempSync(join(tmpdir(), 'facade-audit-')), 'audit.sqlite'),
    ...options.env,
  });
  const config: AppConfig = options.azureProfile ? { ...localConfig, profile: 'azure' } : localConfig;
  const secrets = localSecretsProvider(config);
  for (const [name, value] of Object.entries(emr?.secrets ?? {})) secrets.set(name, value);
  bindSecretsProvider(config, secrets);
  const logDestination = options.logLines ? { write: (line: string) => void options.logLines!.push(line) } : undefined;
  picker = createPatientPicker(createFhirBackend(localConfig, upstreamBaseUrl, { secrets }), config.authorization.providerAccess);
  const app = await createApp(config, createFhirBackend(localConfig, upstreamBaseUrl, { secrets }), { logDestination });
  await app.listen(port, '127.0.0.1');

  const tokens = new Map<string, Promise<string>>();
  const stack: TestStack = {
    config,
    baseUrl: publicBaseUrl,
    fhirBase,
    upstreamBaseUrl,
    idp,
    testIssuer,
    app,
    emr,
    secrets,
    token(user, scope, patient, clientId) {
      const key = JSON.stringify([user, scope, patient, clientId]);
      let token = tokens.get(key);
      if (!token) {
        token = obtainUserToken({ issuer: idp.issuer, user, scope, patient, clientId, aud: fhirBase }).then((t) => t.access_token);
        tokens.set(key, token);
      }
      return token;
    },
    systemToken(scope = 'system/*.cruds') {
      return testIssuer.sign({
        iss: testIssuer.issuer,
        aud: fhirBase,
        sub: 'test-backend',
        client_id: 'test-backend',
        scope,
        exp: Math.floor(Date.now() / 1000) + 600,
      });
    },
    fetch(path, init = {}) {
      const { token, headers, ...rest } = init;
      const url = path.startsWith('/') ? `${publicBaseUrl}${path}` : `${fhirBase}/${path}`;
      const h = new Headers(headers);
      if (token) h.set('authorization', `Bearer ${token}`);
      return fetch(url, { ...rest, headers: h });
    },
    async close() {
      await app.close();
      await testIssuer.close();
      await idp.close();
      await sandbox?.close();
      await emr?.close();
    },
  };
  return stack;
}
