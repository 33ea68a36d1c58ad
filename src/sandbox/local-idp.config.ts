import { errors, type Client, type Configuration, type Grant, type KoaContextWithOIDC, type TokenLike } from 'oidc-provider';

import { findDemoUser } from './demo-users.js';
import type { LocalIdpStore } from './local-idp.adapter.js';
import type { BackendClientKey, SigningJwk } from './local-idp.keys.js';
import { DEFAULT_REDIRECT_URI } from './token-flow.js';
import { OIDC_SCOPES, partitionScopes, splitScope, type SmartContext } from './local-idp.scopes.js';

/** Loopback redirect URI for scripted flows (token CLI, tests); never served, the script reads the Location. */
export const LOCAL_SCRIPT_REDIRECT_URI = DEFAULT_REDIRECT_URI;

export const CLIENT_IDS = {
  patientPortal: 'patient-portal',
  providerDashboard: 'provider-dashboard',
  smartApp: 'smart-app',
  backendService: 'backend-service',
} as const;

/** SMART Backend Services: the client assertion's `exp` at most five minutes ahead.
 * https://hl7.org/fhir/smart-app-launch/backend-services.html#authenticating-to-the-token-endpoint */
const MAX_ASSERTION_LIFETIME_S = 300;
const CLOCK_TOLERANCE_S = 5;
const ACCESS_TOKEN_TTL_S = 3600;

/** Launch context bound to one grant (one authorization), read back when tokens are issued. */
export interface LaunchContext {
  patient?: string;
  /** Encounter in context (EHR launch through the facade's /auth/authorize). */
  encounter?: string;
}

/** Client metadata as oidc-provider takes it (RFC 7591 names). */
export type ClientMetadata = Record<string, unknown> & { client_id: string };

export interface LocalIdpConfigOptions {
  fhirAudience: string;
  redirectUris: readonly string[];
  extraClients: readonly ClientMetadata[];
  backendClientKey: BackendClientKey;
  signingKeys: readonly SigningJwk[];
  cookieKeys: readonly string[];
  store: LocalIdpStore;
  launchContexts: Map<string, LaunchContext>;
}

/** Which SMART contexts a client may request: `system/*` for client_credentials, `patient`/`user` for code flow. */
export function smartContextsFor(client: Client | undefined): Set<SmartContext> {
  const contexts = new Set<SmartContext>();
  if (client?.grantTypeAllowed('client_credentials')) contexts.add('system');
  if (client?.grantTypeAllowed('authorization_code')) {
    contexts.add('patient');
    contexts.add('user');
  }
  return contexts;
}

function userFacingClient(clientId: string, redirectUris: readonly string[]): ClientMetadata {
  return {
    client_id: clientId,
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [LOCAL_SCRIPT_REDIRECT_URI, ...redirectUris],
  };
}

export function buildClients(options: LocalIdpConfigOptions): ClientMetadata[] {
  return [
    userFacingClient(CLIENT_IDS.patientPortal, options.redirectUris),
    userFacingClient(CLIENT_IDS.providerDashboard, options.redirectUris),
    userFacingClient(CLIENT_IDS.smartApp, options.redirectUris),
    {
      client_id: CLIENT_IDS.backendService,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS384',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      jwks: { keys: [options.backendClientKey.publicJwk] },
    },
    ...options.extraClients,
  ];
}

/**
 * The resource server (the facade's FHIR base) as oidc-provider sees it for this request: JWT access tokens
 * with `aud` = FHIR base, and as its scopes the SMART scopes requested now (validated by grammar) plus those
 * already granted, since SMART scopes are open-ended and cannot be listed statically.
 * https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#featuresresourceindicators
 */
function resourceServerInfo(options: LocalIdpConfigOptions) {
  return async (ctx: KoaContextWithOIDC, indicator: string, client: Client) => {
    if (indicator !== options.fhirAudience) {
      throw new errors.InvalidTarget('resource must be the FHIR base URL of the facade');
    }
    const aud = ctx.oidc.params?.['aud'];
    if (aud !== undefined && aud !== options.fhirAudience) {
      throw new errors.InvalidTarget('aud must be the FHIR base URL of the facade');
    }
    const { granted, refused } = partitionScopes(splitScope(ctx.oidc.params?.['scope']), smartContextsFor(client));
    if (refused.length > 0) {
      throw new errors.InvalidScope('requested scope is not allowed for this client', refused.join(' '));
    }
    const grant = ctx.oidc.entities['Grant'] as Grant | undefined;
    const alreadyGranted = grant ? splitScope(grant.getResourceScope(indicator)) : [];
    return {
      scope: [...new Set([...granted, ...alreadyGranted])].join(' '),
      audience: options.fhirAudience,
      accessTokenFormat: 'jwt',
      accessTokenTTL: ACCESS_TOKEN_TTL_S,
      jwt: { sign: { alg: 'RS256' } },
    };
  };
}

/** SMART claims on user access tokens: `fhirUser`, `patient` (launch context), `roles`. */
function extraTokenClaims(options: LocalIdpConfigOptions) {
  return async (_ctx: KoaContextWithOIDC, token: TokenLike) => {
    if (!token.accountId) return undefined;
    const user = findDemoUser(token.accountId);
    if (!user) return undefined;
    const launch = token.grantId ? options.launchContexts.get(token.grantId) : undefined;
    return {
      fhirUser: user.fhirUser,
      ...(launch?.patient ? { patient: launch.patient } : {}),
      ...(launch?.encounter ? { encounter: launch.encounter } : {}),
      ...(user.roles.length > 0 ? { roles: [...user.roles] } : {}),
    };
  };
}

/** SMART Backend Services rules oidc-provider leaves to the deployment: `sub` = client id, short `exp`. */
async function assertClientAssertion(_ctx: KoaContextWithOIDC, claims: Record<string, unknown>, _header: unknown, client: Client) {
  if (claims['sub'] !== client.clientId) {
    throw new errors.InvalidClientAuth('sub (JWT subject) must be the client_id');
  }
  const exp = claims['exp'];
  if (typeof exp !== 'number' || exp - Math.floor(Date.now() / 1000) > MAX_ASSERTION_LIFETIME_S + CLOCK_TOLERANCE_S) {
    throw new errors.InvalidClientAuth('client assertion exp must be at most five minutes ahead');
  }
}

/** Error page for errors that cannot be sent back to the client (e.g. unregistered redirect_uri). */
async function renderError(ctx: { type: string; body: unknown }, out: Record<string, unknown>): Promise<void> {
  const escape = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  ctx.type = 'html';
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local sandbox: error</title></head>
<body><h1>${escape(out['error'])}</h1><p>${escape(out['error_description'])}</p></body></html>`;
}

export function buildProviderConfiguration(options: LocalIdpConfigOptions): Configuration {
  return {
    adapter: (name: string) => options.store.adapterFor(name),
    clients: buildClients(options),
    jwks: { keys: options.signingKeys.map((k) => ({ ...k })) },
    cookies: {
      keys: [...options.cookieKeys],
      // Local sandbox over plain http on 127.0.0.1: no `secure` flag, or browsers and the scripted
      // flow would drop the interaction and session cookies.
      long: { httpOnly: true, sameSite: 'lax', secure: false },
      short: { httpOnly: true, sameSite: 'lax', secure: false },
    },
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = findDemoUser(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: async () => ({ sub: user.id, fhirUser: user.fhirUser, name: user.name }),
      };
    },
    claims: { openid: ['sub'], fhirUser: ['fhirUser'], profile: ['name'] },
    scopes: [...OIDC_SCOPES],
    // launch_patient / launch_encounter: the context of an EHR launch, resolved by the facade's /auth/authorize.
    extraParams: ['aud', 'launch', 'launch_patient', 'launch_encounter'],
    responseTypes: ['code'],
    conformIdTokenClaims: false,
    clockTolerance: CLOCK_TOLERANCE_S,
    pkce: { required: () => true },
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS256', 'RS384', 'PS256', 'ES256', 'ES384'],
      idTokenSigningAlgValues: ['RS256'],
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx: KoaContextWithOIDC, _client: Client, oneOf?: string[]) => {
          if (oneOf) return oneOf.length === 1 ? oneOf[0] : options.fhirAudience;
          const aud = ctx.oidc.params?.['aud'];
          return typeof aud === 'string' ? aud : options.fhirAudience;
        },
        useGrantedResource: async () => true,
        getResourceServerInfo: resourceServerInfo(options),
      },
    },
    extraTokenClaims: extraTokenClaims(options),
    renderError,
    assertJwtClientAuthClaimsAndHeader: assertClientAssertion,
    // Every authorization gets its own grant (and launch context): never reuse a session's earlier grant.
    loadExistingGrant: async (ctx: KoaContextWithOIDC & { oidc: { result?: { consent?: { grantId?: string } } } }) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_S,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 24 * 3600,
    },
  };
}
