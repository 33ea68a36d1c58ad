/**
 * `/auth/authorize`: checks the request (aud, PKCE S256), redeems an EHR `launch` value (single use),
 * binds its context to the PKCE challenge for the token endpoint, and sends the browser on to the
 * upstream authorization server: the local IdP (launch context passed as `launch_patient` /
 * `launch_encounter`), or Entra ID (scopes converted to Entra form). In the azure profile a standalone launch
 * asking for `launch/patient` goes first through the facade's own sign-in and patient picker
 * (facade-sign-in.service.ts, patient-picker.service.ts), which then forwards the app's request unchanged.
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-authorization-code
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 */
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { AuthorizationServerDiscovery } from '../fhir/authorization-server.discovery.js';
import type { SmartEndpoints } from '../smart/index.js';
import { parseAuthorizeRequest, type AuthorizeRequest } from './authorize-request.js';
import { toEntraScopes } from './entra-scopes.js';
import { tokenContextOf, type LaunchContext, type TokenContext } from './launch-context.js';
import { FacadeSignInService } from './facade-sign-in.service.js';
import { AUTHORIZATION_TTL_MS, LAUNCH_CONTEXT_STORE, storeKey, type LaunchContextStore } from './launch-context.store.js';
import { OAuthError } from './oauth-error.js';

/** The key binding a launch context to one authorization: the client and its PKCE challenge. */
export const bindingKey = (clientId: string, codeChallenge: string) => storeKey('authz', `${clientId} ${codeChallenge}`);

@Injectable()
export class AuthorizeService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LAUNCH_CONTEXT_STORE) private readonly store: LaunchContextStore,
    private readonly discovery: AuthorizationServerDiscovery,
    private readonly signIn: FacadeSignInService,
  ) {}

  /** The URL to redirect the browser to. */
  async authorize(raw: unknown): Promise<string> {
    const req = parseAuthorizeRequest(raw, this.config.fhirBase);
    let launch: LaunchContext | undefined;
    if (req.launch !== undefined) {
      launch = await this.store.take<LaunchContext>(storeKey('launch', req.launch));
      if (!launch) throw new OAuthError('invalid_request', 'launch is invalid, expired or already used');
      if (launch.clientId !== req.clientId) throw new OAuthError('invalid_request', 'launch was issued for another client');
      const context: TokenContext = tokenContextOf(launch);
      await this.store.put(bindingKey(req.clientId, req.codeChallenge), context, AUTHORIZATION_TTL_MS);
    }
    // Azure, standalone launch with launch/patient: the facade's own sign-in and picker come first.
    if (this.signIn.applies(req)) return this.signIn.start(req, (await this.upstream()).authorizationEndpoint);
    return this.forward(req, launch);
  }

  /**
   * Entra's (or the local IdP's) authorize URL for the app's own request: the same for every launch, and what
   * the azure patient picker sends the browser on to once the patient is chosen and bound.
   */
  async forward(req: AuthorizeRequest, launch?: LaunchContext): Promise<string> {
    const url = new URL((await this.upstream()).authorizationEndpoint);
    const p = url.searchParams;
    p.set('response_type', 'code');
    p.set('client_id', req.clientId);
    p.set('redirect_uri', req.redirectUri);
    p.set('code_challenge', req.codeChallenge);
    p.set('code_challenge_method', 'S256');
    for (const [name, value] of [['state', req.state], ['nonce', req.nonce], ['prompt', req.prompt], ['login_hint', req.loginHint]] as const) {
      if (value !== undefined) p.set(name, value);
    }
    if (this.config.profile === 'azure') {
      p.set('scope', toEntraScopes(req.scope, this.entraAudience()));
    } else {
      p.set('scope', req.scope);
      p.set('aud', this.config.fhirBase);
      if (launch) {
        p.set('launch_patient', launch.patient);
        if (launch.encounter) p.set('launch_encounter', launch.encounter);
      }
    }
    return url.href;
  }

  /** The upstream authorization server's endpoints; OAuth 503 when it cannot be reached. */
  upstream(): Promise<SmartEndpoints> {
    return this.discovery.upstream().catch(() => {
      throw new OAuthError('temporarily_unavailable', 'The authorization server is unavailable', 503);
    });
  }

  /** The application ID URI Entra scopes are prefixed with: the first trusted issuer's audience. */
  entraAudience(): string {
    return this.config.authIssuers[0]?.audiences[0] ?? this.config.fhirBase;
  }
}
