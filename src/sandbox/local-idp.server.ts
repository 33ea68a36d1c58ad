import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import Provider from 'oidc-provider';

import { LocalIdpStore } from './local-idp.adapter.js';
import { buildProviderConfiguration, type ClientMetadata, type LaunchContext, type LocalIdpConfigOptions } from './local-idp.config.js';
import { handleInteraction, type PatientPicker } from './local-idp.interactions.js';
import { generateBackendClientKey, generateSigningJwk, type BackendClientKey, type SigningJwk } from './local-idp.keys.js';

export { CLIENT_IDS, LOCAL_SCRIPT_REDIRECT_URI, type ClientMetadata } from './local-idp.config.js';
export type { BackendClientKey } from './local-idp.keys.js';
export type { PatientChoice, PatientPicker } from './local-idp.interactions.js';

export interface LocalIdpOptions {
  /** Port on 127.0.0.1; 0 for an ephemeral port. */
  port: number;
  /** The facade's FHIR base (e.g. http://127.0.0.1:8080/fhir): the access tokens' `aud`. */
  fhirAudience: string;
  /** Extra redirect URIs registered for every user-facing client. */
  redirectUris?: readonly string[];
  /** Extra clients (oidc-provider / RFC 7591 client metadata). */
  extraClients?: readonly ClientMetadata[];
  /** Called with errors the provider could not turn into an OAuth error response. */
  onServerError?: (err: unknown) => void;
  /** Limits a practitioner's standalone-launch patient choice to these patients (a picker page). */
  patientPicker?: PatientPicker;
}

export interface LocalIdp {
  /** Issuer identifier, `http://127.0.0.1:<port>`. */
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
  authorizationEndpoint: string;
  fhirAudience: string;
  /** Key pair of the `backend-service` client, for signing `private_key_jwt` assertions (RS384). */
  backendClientKey: BackendClientKey;
  /** `kid` of the key currently signing tokens. */
  currentKid(): string;
  /**
   * Signs from now on with a new key (new `kid`); the previous public key stays in the JWKS so tokens
   * already issued still verify. Sessions, grants, codes and refresh tokens survive.
   */
  rotateSigningKey(): Promise<void>;
  close(): Promise<void>;
}

/**
 * oidc-provider follows OpenID Connect Core §11 and drops `offline_access` unless `prompt=consent` is sent;
 * SMART apps do not send it (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-a-refresh-token).
 * Every authorization here goes through the (auto-)consent interaction anyway, so ask for it explicitly.
 */
function withConsentPromptForOfflineAccess(url: string | undefined): string | undefined {
  if (!url?.startsWith('/auth?')) return url;
  const parsed = new URL(url, 'http://127.0.0.1');
  const scopes = parsed.searchParams.get('scope')?.split(' ') ?? [];
  if (!scopes.includes('offline_access') || parsed.searchParams.has('prompt')) return url;
  parsed.searchParams.set('prompt', 'consent');
  return `${parsed.pathname}${parsed.search}`;
}

/**
 * Starts the local OpenID provider (oidc-provider 9) on 127.0.0.1: SMART scopes, PKCE S256, JWT access
 * tokens for the facade's FHIR base, `private_key_jwt` RS384 for backend services.
 * Local sandbox only: demo users sign in without a password.
 */
export async function startLocalIdp(options: LocalIdpOptions): Promise<LocalIdp> {
  const fhirAudience = options.fhirAudience.replace(/\/+$/, '');
  let signingKeys: SigningJwk[] = [await generateSigningJwk('RS256')];
  const backendClientKey = await generateBackendClientKey('backend-service');
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const store = new LocalIdpStore();
  const launchContexts = new Map<string, LaunchContext>();
  const onServerError = options.onServerError ?? (() => undefined);
  const configOptions = (keys: SigningJwk[]): LocalIdpConfigOptions => ({
    fhirAudience,
    redirectUris: options.redirectUris ?? [],
    extraClients: options.extraClients ?? [],
    backendClientKey,
    signingKeys: keys,
    cookieKeys,
    store,
    launchContexts,
  });

  let provider: Provider | undefined;
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server = createServer((req, res) => {
    if (!provider || !handler) {
      res.statusCode = 503;
      res.end();
      return;
    }
    if (req.url?.startsWith('/interaction/')) {
      handleInteraction(provider, { fhirAudience, launchContexts, patientPicker: options.patientPicker }, req, res).catch((err: unknown) => {
        onServerError(err);
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
      return;
    }
    req.url = withConsentPromptForOfflineAccess(req.url);
    handler(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const install = (keys: SigningJwk[]): void => {
    const next = new Provider(issuer, buildProviderConfiguration(configOptions(keys)));
    next.on('server_error', (_ctx, err) => onServerError(err));
    provider = next;
    handler = next.callback();
  };
  try {
    install(signingKeys);
  } catch (err) {
    server.close();
    throw err;
  }

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    authorizationEndpoint: `${issuer}/auth`,
    fhirAudience,
    backendClientKey,
    currentKid: () => signingKeys[0]!.kid,
    async rotateSigningKey() {
      // oidc-provider's keystore is fixed at construction: rebuild the provider on the same server with
      // the new key first (it signs) and the previous one kept for verification. State lives in `store`.
      const next = [await generateSigningJwk('RS256'), signingKeys[0]!];
      install(next);
      signingKeys = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
