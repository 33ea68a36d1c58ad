/**
 * The facade's own OpenID Connect sign-in at Entra ID, before the azure profile's patient picker: Entra has
 * no picker, and the facade cannot know who signs in until Entra has authenticated them. As Microsoft's
 * SMART-on-FHIR proxy sample for Azure Health Data Services does ("auth context" step), the app's validated
 * authorization request waits in the launch context store under a random single-use handle (the `state` of
 * the facade's own request) while the browser signs in to the facade's app registration (a confidential
 * client: `FACADE_CLIENT_ID`, secret `facade-client-secret`), with the facade's own PKCE S256 and nonce.
 * At the callback the code is exchanged and the id_token verified (issuer keys, `iss`, `aud`, `nonce`);
 * the signed-in user's Entra `oid` and `fhirUser` are what the picker needs.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 * @see https://learn.microsoft.com/azure/healthcare-apis/fhir/smart-on-fhir
 */
import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify, type JWTPayload } from 'jose';
import { TrustedIssuerRegistry } from '../auth/index.js';
import { ALLOWED_ALGORITHMS, CLOCK_TOLERANCE_SECONDS } from '../auth/bearer-token.verifier.js';
import { relativeReference } from '../auth/principal.factory.js';
import { APP_CONFIG, secretNames, type AppConfig } from '../config/index.js';
import { AuthorizationServerDiscovery } from '../fhir/authorization-server.discovery.js';
import { secretsProviderFor } from '../secrets/index.js';
import type { AuthorizeRequest } from './authorize-request.js';
import { AUTHORIZATION_TTL_MS, LAUNCH_CONTEXT_STORE, storeKey, type LaunchContextStore } from './launch-context.store.js';
import { PickerRefusal } from './picker-page.js';

/** An app's authorization request waiting for the facade's own sign-in. */
interface PendingSignIn {
  readonly request: AuthorizeRequest;
  readonly verifier: string;
  readonly nonce: string;
}

/** Who signed in at the facade, from the verified id_token. */
export interface FacadeSignedIn {
  /** The app's authorization request, as /auth/authorize validated it. */
  readonly request: AuthorizeRequest;
  /** Entra object id (`oid`): the same value in every token Entra issues for this account. */
  readonly objectId: string;
  /** `Practitioner/...`, `Patient/...` (other types are refused by the picker), relative; undefined when none. */
  readonly fhirUser?: string;
}

const HANDLE = /^[A-Za-z0-9_-]{43}$/;
const CODE_MAX = 4096;
export const PICKER_CALLBACK_PATH = '/auth/picker/callback';

@Injectable()
export class FacadeSignInService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LAUNCH_CONTEXT_STORE) private readonly store: LaunchContextStore,
    private readonly discovery: AuthorizationServerDiscovery,
    private readonly issuers: TrustedIssuerRegistry,
  ) {}

  /**
   * Whether this request goes through the picker first: the azure profile with the facade's app registration
   * configured, a standalone launch (no `launch`) asking for a patient in context.
   */
  applies(req: AuthorizeRequest): boolean {
    return this.config.profile === 'azure' && this.config.facadeClientId !== undefined && req.launch === undefined && req.scope.split(' ').includes('launch/patient');
  }

  /** Keeps the app's request under a fresh handle and returns Entra's authorize URL for the facade's own sign-in. */
  async start(req: AuthorizeRequest, authorizationEndpoint: string): Promise<string> {
    const handle = randomBytes(32).toString('base64url');
    const pending: PendingSignIn = { request: req, verifier: randomBytes(32).toString('base64url'), nonce: randomBytes(32).toString('base64url') };
    await this.store.put(storeKey('picker', handle), pending, AUTHORIZATION_TTL_MS);
    const url = new URL(authorizationEndpoint);
    const p = url.searchParams;
    p.set('client_id', this.config.facadeClientId!);
    p.set('response_type', 'code');
    p.set('response_mode', 'query');
    p.set('redirect_uri', `${this.config.publicBaseUrl}${PICKER_CALLBACK_PATH}`);
    // `fhirUser` and `oid` reach the id_token through the registration's claims (Entra: optional claims or a
    // claims-mapping policy); `profile` is what Entra needs to emit `oid` in an id_token.
    p.set('scope', 'openid profile');
    p.set('state', handle);
    p.set('nonce', pending.nonce);
    p.set('code_challenge', createHash('sha256').update(pending.verifier).digest('base64url'));
    p.set('code_challenge_method', 'S256');
    if (req.loginHint !== undefined) p.set('login_hint', req.loginHint);
    return url.href;
  }

  /** The callback: takes the pending request by `state` (single use), redeems the code, verifies the id_token. */
  async finish(raw: unknown): Promise<FacadeSignedIn> {
    const query = (raw ?? {}) as Record<string, unknown>;
    const state = query['state'];
    const code = query['code'];
    if (typeof state !== 'string' || !HANDLE.test(state)) throw new PickerRefusal('sign-in-unknown');
    const pending = await this.store.take<PendingSignIn>(storeKey('picker', state)).catch(() => {
      throw new PickerRefusal('unavailable');
    });
    if (!pending) throw new PickerRefusal('sign-in-unknown');
    if (query['error'] !== undefined || typeof code !== 'string' || code === '' || code.length > CODE_MAX) throw new PickerRefusal('sign-in-failed');

    const upstream = await this.discovery.upstream().catch(() => {
      throw new PickerRefusal('unavailable');
    });
    const idToken = await this.redeem(upstream.tokenEndpoint, code, pending.verifier);
    const claims = await this.verifyIdToken(idToken, upstream.issuer, pending.nonce);
    const objectId = typeof claims['oid'] === 'string' && claims['oid'] !== '' ? claims['oid'] : undefined;
    if (!objectId) throw new PickerRefusal('sign-in-failed');
    const fhirUser = relativeReference(typeof claims['fhirUser'] === 'string' ? claims['fhirUser'] : undefined);
    return { request: pending.request, objectId, ...(fhirUser ? { fhirUser } : {}) };
  }

  private async redeem(tokenEndpoint: string, code: string, verifier: string): Promise<string> {
    const secret = await secretsProviderFor(this.config)
      .get(secretNames.facadeClientSecret)
      .catch(() => {
        throw new PickerRefusal('unavailable');
      });
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: this.config.facadeClientId!,
      client_secret: secret,
      code,
      redirect_uri: `${this.config.publicBaseUrl}${PICKER_CALLBACK_PATH}`,
      code_verifier: verifier,
    });
    let res: Response;
    try {
      res = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.config.upstreamTimeoutMs),
        redirect: 'error',
      });
    } catch {
      throw new PickerRefusal('unavailable');
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || typeof body['id_token'] !== 'string') throw new PickerRefusal('sign-in-failed');
    return body['id_token'];
  }

  /** OpenID Connect Core §3.1.3.7: signature by the issuer's keys, `iss`, `aud` = the facade's client id, `exp`, `nonce`. */
  private async verifyIdToken(idToken: string, issuerId: string, nonce: string): Promise<JWTPayload> {
    const issuer = this.issuers.find(issuerId);
    if (!issuer) throw new PickerRefusal('unavailable');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, issuer.keys.getKey, {
        issuer: issuer.issuer,
        audience: this.config.facadeClientId!,
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch {
      throw new PickerRefusal('sign-in-failed');
    }
    if (payload['nonce'] !== nonce) throw new PickerRefusal('sign-in-failed');
    // An id_token meant for several audiences must name the facade as its authorized party (OIDC Core §3.1.3.7).
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload['azp'] !== this.config.facadeClientId) throw new PickerRefusal('sign-in-failed');
    return payload;
  }
}
