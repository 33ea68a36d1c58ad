/**
 * Validation of a SMART authorization request at the facade, before anything is forwarded. Every
 * failure here is answered 400 with OAuth error JSON and **no redirect**: the facade does not hold the
 * clients' registered redirect URIs (the upstream authorization server does), and redirecting to an
 * unvalidated `redirect_uri` would make the facade an open redirector (RFC 6749 §4.1.2.1).
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-authorization-code
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
import { OAuthError } from './oauth-error.js';

export interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state?: string;
  readonly codeChallenge: string;
  readonly launch?: string;
  readonly nonce?: string;
  readonly prompt?: string;
  readonly loginHint?: string;
}

const CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
const MAX_PARAM = 2048;

/** Reads and checks the request (query of a GET, form of a POST per `authorize-post`). */
export function parseAuthorizeRequest(raw: unknown, fhirBase: string): AuthorizeRequest {
  const params = (raw ?? {}) as Record<string, unknown>;
  const one = (name: string): string | undefined => {
    const v = params[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw new OAuthError('invalid_request', `${name} must be given once`);
    if (v.length > MAX_PARAM) throw new OAuthError('invalid_request', `${name} is too long`);
    return v;
  };
  const required = (name: string): string => {
    const v = one(name);
    if (v === undefined) throw new OAuthError('invalid_request', `${name} is required`);
    return v;
  };

  const clientId = required('client_id');
  const redirectUri = required('redirect_uri');
  if (!isAbsoluteUrl(redirectUri)) throw new OAuthError('invalid_request', 'redirect_uri must be an absolute URL');
  if (required('response_type') !== 'code') throw new OAuthError('unsupported_response_type', 'response_type must be code');
  // SMART: aud is the FHIR base the app means to use; a wrong one must not obtain a token for this server.
  const aud = required('aud');
  if (aud.replace(/\/+$/, '') !== fhirBase) throw new OAuthError('invalid_request', "aud must be this server's FHIR base URL");
  const method = one('code_challenge_method');
  if (method !== 'S256') throw new OAuthError('invalid_request', 'code_challenge_method must be S256 (plain is not supported)');
  const codeChallenge = required('code_challenge');
  if (!CHALLENGE.test(codeChallenge)) throw new OAuthError('invalid_request', 'code_challenge is malformed');
  const scope = required('scope');

  return {
    clientId,
    redirectUri,
    scope,
    codeChallenge,
    state: one('state'),
    launch: one('launch'),
    nonce: one('nonce'),
    prompt: one('prompt'),
    loginHint: one('login_hint'),
  };
}

function isAbsoluteUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:' || /^[a-z][a-z0-9+.-]*:$/.test(u.protocol);
  } catch {
    return false;
  }
}
