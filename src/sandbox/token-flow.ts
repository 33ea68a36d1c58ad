import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { SignJWT, type CryptoKey, type JWK, type KeyObject } from 'jose';

import { CookieJar, discover, OAuthFlowError, readTokenResponse } from './token-flow.http.js';

export { OAuthFlowError } from './token-flow.http.js';

/** Loopback redirect URI registered for every user-facing client of the local IdP (never served). */
export const DEFAULT_REDIRECT_URI = 'http://127.0.0.1/callback';
export const DEFAULT_FHIR_AUDIENCE = 'http://127.0.0.1:8080/fhir';

/** Token endpoint response (RFC 6749 §5.1 plus SMART launch context). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  [extra: string]: unknown;
}

export interface UserTokenOptions {
  issuer: string;
  clientId?: string;
  redirectUri?: string;
  /** Demo user, as account id / fhirUser reference: `Patient/pat-001`, `Practitioner/prac-01`. */
  user: string;
  scope: string;
  /** Patient to put in context (practitioners), e.g. `pat-007`. */
  patient?: string;
  /** SMART `aud`: the facade's FHIR base. */
  aud?: string;
}

export interface AuthorizationCodeResult {
  code: string;
  codeVerifier: string;
  redirectUri: string;
  clientId: string;
  tokenEndpoint: string;
}

const MAX_HOPS = 10;

function base64url(buf: Buffer): string {
  return buf.toString('base64url');
}

/** PKCE S256 pair. https://www.rfc-editor.org/rfc/rfc7636#section-4 */
export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: base64url(createHash('sha256').update(verifier).digest()) };
}

function formActionFrom(html: string, pageUrl: URL): URL {
  const match = /<form[^>]*action="([^"]*\/login)"/.exec(html);
  if (!match?.[1]) throw new OAuthFlowError('interaction_failed', 'the sign-in page has no login form', undefined);
  return new URL(match[1].replace(/&amp;/g, '&'), pageUrl);
}

/**
 * Runs the authorization-code flow up to the code, over HTTP like a browser: authorize request with PKCE
 * S256 → interaction page → login form POST (user, patient) → resume → redirect carrying the code.
 * https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-authorization-code
 */
export async function authorizeWithLogin(options: UserTokenOptions): Promise<AuthorizationCodeResult> {
  const clientId = options.clientId ?? 'patient-portal';
  const redirectUri = options.redirectUri ?? DEFAULT_REDIRECT_URI;
  const endpoints = await discover(options.issuer);
  const pkce = createPkcePair();
  const state = base64url(randomBytes(16));
  const jar = new CookieJar();

  let url = new URL(endpoints.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: options.scope,
    state,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    aud: options.aud ?? DEFAULT_FHIR_AUDIENCE,
  }).toString();
  let init: RequestInit = { method: 'GET' };
  let loggedIn = false;

  for (let hop = 0; hop < MAX_HOPS; hop += 1) {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string> | undefined), cookie: jar.header() },
      signal: AbortSignal.timeout(10_000),
    });
    jar.store(res);
    const location = res.headers.get('location');

    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, url);
      if (next.href.startsWith(redirectUri)) {
        return { ...readCallback(next, state, endpoints.issuer), codeVerifier: pkce.verifier, redirectUri, clientId, tokenEndpoint: endpoints.tokenEndpoint };
      }
      url = next;
      init = { method: 'GET' };
      continue;
    }

    const body = await res.text();
    if (res.status === 200 && url.pathname.startsWith('/interaction/') && !loggedIn) {
      loggedIn = true;
      url = formActionFrom(body, url);
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ user: options.user, patient: options.patient ?? '' }).toString(),
      };
      continue;
    }
    const alert = /<p role="alert">([^<]*)<\/p>/.exec(body)?.[1];
    throw new OAuthFlowError('authorization_failed', alert ?? `unexpected ${res.status} from ${url.pathname}`, res.status);
  }
  throw new OAuthFlowError('authorization_failed', 'too many redirects', undefined);
}

function readCallback(callback: URL, state: string, issuer: string): { code: string } {
  const params = callback.searchParams;
  const error = params.get('error');
  if (error) throw new OAuthFlowError(error, params.get('error_description') ?? undefined, undefined);
  if (params.get('state') !== state) throw new OAuthFlowError('invalid_state', 'state mismatch', undefined);
  // RFC 9207 authorization server issuer identification.
  const iss = params.get('iss');
  if (iss !== null && iss !== issuer) throw new OAuthFlowError('invalid_issuer', 'iss mismatch', undefined);
  const code = params.get('code');
  if (!code) throw new OAuthFlowError('authorization_failed', 'no code in the redirect', undefined);
  return { code };
}

/** Token request for an authorization code (public client, PKCE). https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3 */
export async function exchangeCode(
  result: AuthorizationCodeResult,
  overrides: { codeVerifier?: string | null } = {},
): Promise<TokenResponse> {
  // `codeVerifier: null` omits it (tests of the PKCE check).
  const codeVerifier = overrides.codeVerifier === undefined ? result.codeVerifier : overrides.codeVerifier;
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: result.code,
    redirect_uri: result.redirectUri,
    client_id: result.clientId,
  });
  if (codeVerifier !== null) form.set('code_verifier', codeVerifier);
  return postToken(result.tokenEndpoint, form);
}

/**
 * A user access token through a real authorization-code + PKCE S256 flow against the local IdP.
 */
export async function obtainUserToken(options: UserTokenOptions): Promise<TokenResponse> {
  return exchangeCode(await authorizeWithLogin(options));
}

/** Refresh token grant (public client). https://www.rfc-editor.org/rfc/rfc6749#section-6 */
export async function refreshUserToken(options: {
  issuer: string;
  clientId?: string;
  refreshToken: string;
  scope?: string;
}): Promise<TokenResponse> {
  const { tokenEndpoint } = await discover(options.issuer);
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: options.refreshToken,
    client_id: options.clientId ?? 'patient-portal',
  });
  if (options.scope !== undefined) form.set('scope', options.scope);
  return postToken(tokenEndpoint, form);
}

export interface ClientAssertionOptions {
  clientId: string;
  /** The assertion's `aud`: the token endpoint URL. */
  audience: string;
  /** Private key (a `Uint8Array` only for tests of refused HMAC assertions). */
  privateKey: CryptoKey | KeyObject | JWK | Uint8Array;
  kid: string;
  alg?: string;
  /** Seconds until `exp` (at most 300 per SMART Backend Services). */
  expiresIn?: number;
  jti?: string;
}

/**
 * `private_key_jwt` client assertion: iss = sub = client id, aud = token endpoint, short exp, unique jti.
 * https://hl7.org/fhir/smart-app-launch/backend-services.html#request-access-token
 */
export async function createClientAssertion(options: ClientAssertionOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: options.alg ?? 'RS384', kid: options.kid, typ: 'JWT' })
    .setIssuer(options.clientId)
    .setSubject(options.clientId)
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .setJti(options.jti ?? randomUUID())
    .sign(options.privateKey);
}

/** Posts a client_credentials request with a ready-made assertion (tests use it to send bad ones). */
export async function requestBackendToken(tokenEndpoint: string, clientAssertion: string, scope: string): Promise<TokenResponse> {
  return postToken(
    tokenEndpoint,
    new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    }),
  );
}

/** SMART Backend Services token (client_credentials with a `private_key_jwt` RS384 assertion). */
export async function obtainBackendToken(options: {
  issuer: string;
  clientId: string;
  privateKey: CryptoKey | KeyObject | JWK;
  kid: string;
  scope: string;
  alg?: string;
}): Promise<TokenResponse> {
  const { tokenEndpoint } = await discover(options.issuer);
  const assertion = await createClientAssertion({ ...options, audience: tokenEndpoint });
  return requestBackendToken(tokenEndpoint, assertion, options.scope);
}

async function postToken(tokenEndpoint: string, form: URLSearchParams): Promise<TokenResponse> {
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    signal: AbortSignal.timeout(10_000),
  });
  return readTokenResponse<TokenResponse>(res);
}
