/**
 * `/auth/token`: forwards the token request to the upstream authorization server and returns its answer
 * in SMART form: scopes back from Entra form (azure), the launch context (`patient`, `encounter`,
 * `fhirContext`, `need_patient_banner`, `smart_style_url`) added, `Cache-Control: no-store`.
 * The code_verifier is required here (PKCE S256); the upstream checks it against the challenge, and the
 * facade finds the launch context bound at /authorize by that same challenge. When the issued token cannot
 * carry that context (Entra ID), it is kept by token hash (token-context.binder.ts), and a refresh_token
 * grant hands the context kept for the refresh token on to the new token. A patient chosen on the azure
 * picker is handed only to a token of the account that chose it (same Entra `oid`), else `invalid_grant`.
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-access-token
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/index.js';
import { BearerTokenVerifier } from '../auth/bearer-token.verifier.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { AuthorizationServerDiscovery } from '../fhir/authorization-server.discovery.js';
import { AuthorizeService, bindingKey } from './authorize.service.js';
import { fromEntraScopes, toEntraScopes } from './entra-scopes.js';
import type { BoundContext, KeptRefreshContext, TokenContext } from './launch-context.js';
import { LAUNCH_CONTEXT_STORE, type LaunchContextStore } from './launch-context.store.js';
import { OAuthError, type OAuthErrorCode } from './oauth-error.js';
import { TokenContextBinder } from './token-context.binder.js';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const GRANTS = new Set(['authorization_code', 'refresh_token']);
const FORWARDED = ['grant_type', 'code', 'redirect_uri', 'client_id', 'code_verifier', 'refresh_token', 'scope', 'client_secret', 'client_assertion', 'client_assertion_type'];

export interface TokenAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

@Injectable()
export class TokenService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LAUNCH_CONTEXT_STORE) private readonly store: LaunchContextStore,
    private readonly discovery: AuthorizationServerDiscovery,
    private readonly authorize: AuthorizeService,
    private readonly verifier: BearerTokenVerifier,
    private readonly binder: TokenContextBinder,
  ) {}

  async token(raw: unknown, authorization?: string): Promise<TokenAnswer> {
    const form = readForm(raw);
    const grant = form.get('grant_type');
    if (!grant || !GRANTS.has(grant)) throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    let bound: BoundContext | undefined;
    let carried: KeptRefreshContext | undefined;
    if (grant === 'refresh_token' && form.has('refresh_token')) carried = await this.binder.ofRefreshToken(form.get('refresh_token')!);
    if (grant === 'authorization_code') {
      const verifier = form.get('code_verifier');
      if (!verifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE)');
      if (!VERIFIER.test(verifier)) throw new OAuthError('invalid_grant', 'code_verifier is malformed');
      const clientId = form.get('client_id') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      bound = await this.store.take<BoundContext>(bindingKey(clientId, challenge));
    }
    const audience = this.authorize.entraAudience();
    if (this.config.profile === 'azure' && form.has('scope')) form.set('scope', toEntraScopes(form.get('scope')!, audience));

    const upstream = await this.discovery.upstream().catch(() => {
      throw new OAuthError('temporarily_unavailable', 'The authorization server is unavailable', 503);
    });
    let res: Response;
    try {
      res = await fetch(upstream.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(authorization ? { authorization } : {}) },
        body: form.toString(),
        signal: AbortSignal.timeout(this.config.upstreamTimeoutMs),
      });
    } catch {
      throw new OAuthError('temporarily_unavailable', 'The authorization server is unavailable', 503);
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw upstreamError(res.status, body);
    if (typeof body['access_token'] !== 'string') throw new OAuthError('server_error', 'The authorization server gave no access token', 502);

    if (this.config.profile === 'azure' && typeof body['scope'] === 'string') body['scope'] = fromEntraScopes(body['scope'], audience);
    const accessToken = body['access_token'];
    // The token's own claims; none for a token the facade would not accept (e.g. an Entra token for another resource).
    const principal = await this.verifier.verifyClaims(accessToken).catch(() => undefined);
    if (carried && principal && carried.clientId !== principal.clientId) throw new OAuthError('invalid_grant', 'The token does not carry the launch context');
    // A patient chosen on the facade's picker belongs to who chose it: another account signed in for the app
    // (or a token the facade cannot read) must not take it over.
    if (bound?.pickedBy !== undefined && principal?.objectId !== bound.pickedBy) {
      throw new OAuthError('invalid_grant', 'The token does not carry the launch context');
    }
    const context = this.context(principal, typeof body['scope'] === 'string' ? body['scope'] : '', bound ? withoutPicker(bound) : carried?.context);
    if (principal) await this.binder.keep(accessToken, principal, context, refreshTokenOf(body, form));
    return { status: 200, body: { ...body, ...context } };
  }

  /**
   * The launch context of the answer: what the launch bound (EHR launch) or what was kept for the refresh
   * token, else the token's own claims (standalone launch: the patient chosen or the patient user's own
   * record). A token that names another patient than the launch bound is refused: the launch context must
   * be what the token carries.
   */
  private context(principal: Principal | undefined, scope: string, bound: TokenContext | undefined): TokenContext {
    const claimed = principal?.patient;
    if (bound) {
      if (claimed !== undefined && claimed !== bound.patient) throw new OAuthError('invalid_grant', 'The token does not carry the launch context');
      return bound;
    }
    const scopes = scope.split(' ');
    const wantsPatient = scopes.includes('launch/patient') || scopes.includes('launch');
    if (!claimed || !wantsPatient) return {};
    return {
      patient: claimed,
      ...(principal?.encounter ? { encounter: principal.encounter } : {}),
      // Standalone launch: no EHR frame around the app, so it shows the banner itself.
      need_patient_banner: true,
      smart_style_url: `${this.config.publicBaseUrl}/auth/smart-style.json`,
    };
  }
}

/** The token-response context of a binding, without who picked it (never shown to the app). */
function withoutPicker({ pickedBy: _pickedBy, ...context }: BoundContext): TokenContext {
  return context;
}

/** The refresh token the client holds after this answer: a new one, else (refresh grant) the one it sent. */
function refreshTokenOf(body: Record<string, unknown>, form: URLSearchParams): string | undefined {
  if (typeof body['refresh_token'] === 'string' && body['refresh_token'] !== '') return body['refresh_token'];
  return form.get('grant_type') === 'refresh_token' ? (form.get('refresh_token') ?? undefined) : undefined;
}

function readForm(raw: unknown): URLSearchParams {
  const form = new URLSearchParams();
  const fields = (raw ?? {}) as Record<string, unknown>;
  for (const name of FORWARDED) {
    const v = fields[name];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new OAuthError('invalid_request', `${name} must be given once`);
    form.set(name, v);
  }
  return form;
}

const UPSTREAM_ERRORS = new Set<OAuthErrorCode>(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']);

/** The upstream's OAuth error, relayed with a fixed description (never its text, which may quote input). */
function upstreamError(status: number, body: Record<string, unknown>): OAuthError {
  const code = body['error'];
  if (typeof code === 'string' && UPSTREAM_ERRORS.has(code as OAuthErrorCode)) {
    return new OAuthError(code as OAuthErrorCode, 'The authorization server refused the request', status === 401 ? 401 : 400);
  }
  return new OAuthError('temporarily_unavailable', 'The authorization server could not answer', 503);
}
