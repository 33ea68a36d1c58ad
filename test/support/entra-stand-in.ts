/**
 * A small stand-in for Microsoft Entra ID as the facade meets it in the azure profile, on loopback: OpenID
 * discovery at `<issuer>/.well-known/openid-configuration` (issuer `http://127.0.0.1:<port>/<tenant>/v2.0`),
 * its own JWKS over HTTP, an authorize endpoint that signs in the user named by `login_hint` at once and
 * redirects with a code, and a token endpoint (authorization_code with PKCE S256; refresh_token) issuing RS256
 * JWT access tokens shaped like Entra v2 tokens: `scp` (scope names without the application ID URI), `azp`,
 * `oid`, `tid`, `uti`, `ver`, and no `patient` or `encounter` claim, since Entra cannot add them. Users listed in
 * `users` carry `fhirUser` (as a claims-mapping policy puts it in Entra tokens); clients listed in `clients` are
 * confidential (their `client_secret` is required at the token endpoint). With `openid`, the token response
 * carries an id_token (`aud` = the client, `nonce` of the authorization request, `oid`, `fhirUser`). Tests can
 * make the next sign-in another user than `login_hint` names (an account switch) and tamper with the next
 * id_token (claims, or a key Entra does not publish).
 *
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 * @see https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface EntraStandIn {
  /** `http://127.0.0.1:<port>/<tenant>/v2.0`, the `iss` of its tokens. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly tenantId: string;
  /** The FHIR API's application ID URI: the tokens' `aud` and the prefix of the scopes requested. */
  readonly appIdUri: string;
  /** Lifetime of the access tokens issued from now on, seconds. */
  accessTokenLifetimeSeconds: number;
  /** The next authorization signs in this user, whatever its `login_hint` says (one use). */
  signInNext(user: string): void;
  /** The next id_token issued is changed by `edit` and, with `foreignKey`, signed by a key not in the JWKS (one use). */
  tamperNextIdToken(edit: (claims: Record<string, unknown>) => Record<string, unknown>, options?: { foreignKey?: boolean }): void;
  /** The Entra object id the stand-in gives `user`. */
  objectIdOf(user: string): string;
  close(): Promise<void>;
}

export interface EntraStandInOptions {
  readonly appIdUri: string;
  readonly accessTokenLifetimeSeconds?: number;
  /** Confidential clients: client id -> secret. */
  readonly clients?: Readonly<Record<string, string>>;
  /** The directory: user (`login_hint`) -> `fhirUser` claim. */
  readonly users?: Readonly<Record<string, string>>;
}

interface Grant {
  readonly clientId: string;
  readonly user: string;
  /** Requested scopes, as sent (`<appIdUri>/patient.all.rs`, `openid`, ...). */
  readonly scopes: readonly string[];
}

interface PendingCode extends Grant {
  readonly redirectUri: string;
  readonly challenge: string;
  readonly expires: number;
  readonly nonce?: string;
}

export async function startEntraStandIn(options: EntraStandInOptions): Promise<EntraStandIn> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  let nextUser: string | undefined;
  let idTokenTamper: { edit: (claims: Record<string, unknown>) => Record<string, unknown>; foreignKey: boolean } | undefined;
  const kid = `entra-stand-in-${randomBytes(4).toString('hex')}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' }] };
  const tenantId = randomUUID();
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Map<string, Grant>();
  let base = '';
  const issuer = () => `${base}/${tenantId}/v2.0`;

  const stand: EntraStandIn = {
    get issuer() {
      return issuer();
    },
    get jwksUri() {
      return `${base}/${tenantId}/discovery/v2.0/keys`;
    },
    tenantId,
    appIdUri: options.appIdUri,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3600,
    signInNext(user) {
      nextUser = user;
    },
    tamperNextIdToken(edit, o = {}) {
      idTokenTamper = { edit, foreignKey: o.foreignKey ?? false };
    },
    objectIdOf: (user) => uuidOf(`oid:${user}`),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function issue(grant: Grant, nonce?: string): Promise<Record<string, unknown>> {
    const prefix = `${options.appIdUri}/`;
    const resourceScopes = grant.scopes.filter((s) => s.startsWith(prefix));
    const now = Math.floor(Date.now() / 1000);
    const oid = uuidOf(`oid:${grant.user}`);
    const fhirUser = options.users?.[grant.user];
    const accessToken = await new SignJWT({
      ...(fhirUser ? { fhirUser } : {}),
      aud: options.appIdUri,
      iss: issuer(),
      iat: now,
      nbf: now,
      exp: now + stand.accessTokenLifetimeSeconds,
      azp: grant.clientId,
      azpacr: '0',
      oid,
      preferred_username: grant.user,
      scp: resourceScopes.map((s) => s.slice(prefix.length)).join(' '),
      // Entra's `sub` is pairwise: one value per user and application.
      sub: createHash('sha256').update(`${oid} ${grant.clientId}`).digest('base64url').slice(0, 43),
      tid: tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
    })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(privateKey);
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: resourceScopes.join(' '),
      expires_in: stand.accessTokenLifetimeSeconds,
      ext_expires_in: stand.accessTokenLifetimeSeconds,
      access_token: accessToken,
    };
    if (grant.scopes.includes('openid')) {
      let claims: Record<string, unknown> = {
        aud: grant.clientId,
        iss: issuer(),
        iat: now,
        nbf: now,
        exp: now + 3600,
        oid,
        sub: createHash('sha256').update(`${oid} ${grant.clientId}`).digest('base64url').slice(0, 43),
        tid: tenantId,
        preferred_username: grant.user,
        ver: '2.0',
        ...(nonce ? { nonce } : {}),
        ...(fhirUser ? { fhirUser } : {}),
      };
      const tamper = idTokenTamper;
      idTokenTamper = undefined;
      if (tamper) claims = tamper.edit(claims);
      body['id_token'] = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(tamper?.foreignKey ? foreign.privateKey : privateKey);
    }
    if (grant.scopes.includes('offline_access')) {
      const refreshToken = randomBytes(48).toString('base64url');
      refreshTokens.set(refreshToken, grant);
      body['refresh_token'] = refreshToken;
    }
    return body;
  }

  async function token(form: URLSearchParams): Promise<[number, Record<string, unknown>]> {
    const clientId = form.get('client_id') ?? '';
    const secret = options.clients?.[clientId];
    if (secret !== undefined && form.get('client_secret') !== secret) {
      return [401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }];
    }
    if (form.get('grant_type') === 'authorization_code') {
      const code = form.get('code') ?? '';
      const pending = codes.get(code);
      codes.delete(code);
      const verifier = form.get('code_verifier') ?? '';
      if (!pending || pending.expires < Date.now() || pending.clientId !== clientId || pending.redirectUri !== form.get('redirect_uri')) {
        return [400, { error: 'invalid_grant', error_description: 'AADSTS70000: The provided authorization code is invalid.' }];
      }
      if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge) {
        return [400, { error: 'invalid_grant', error_description: 'AADSTS501481: The Code_Verifier does not match the code_challenge.' }];
      }
      return [200, await issue(pending, pending.nonce)];
    }
    if (form.get('grant_type') === 'refresh_token') {
      const grant = refreshTokens.get(form.get('refresh_token') ?? '');
      if (!grant || grant.clientId !== clientId) return [400, { error: 'invalid_grant', error_description: 'AADSTS9002313: Invalid request.' }];
      const asked = form.get('scope')?.split(' ').filter(Boolean);
      if (asked?.some((s) => !grant.scopes.includes(s))) return [400, { error: 'invalid_scope', error_description: 'AADSTS70011: The provided value for scope is not valid.' }];
      return [200, await issue(asked ? { ...grant, scopes: [...asked, ...(grant.scopes.includes('offline_access') ? ['offline_access'] : [])] } : grant)];
    }
    return [400, { error: 'unsupported_grant_type' }];
  }

  function authorize(url: URL, res: ServerResponse): void {
    const p = url.searchParams;
    const redirectUri = p.get('redirect_uri');
    const user = nextUser ?? p.get('login_hint');
    nextUser = undefined;
    if (!redirectUri || !user || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge') || !p.get('client_id')) {
      res.statusCode = 400;
      res.end('AADSTS900144: the request is incomplete');
      return;
    }
    const code = randomBytes(32).toString('base64url');
    codes.set(code, {
      clientId: p.get('client_id')!,
      redirectUri,
      challenge: p.get('code_challenge')!,
      user,
      scopes: (p.get('scope') ?? '').split(' ').filter(Boolean),
      expires: Date.now() + 60_000,
      ...(p.get('nonce') ? { nonce: p.get('nonce')! } : {}),
    });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    if (p.get('state')) back.searchParams.set('state', p.get('state')!);
    res.statusCode = 302;
    res.setHeader('location', back.href);
    res.end();
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const json = (status: number, body: unknown) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.end(JSON.stringify(body));
    };
    const t = `/${tenantId}`;
    if (req.method === 'GET' && url.pathname === `${t}/v2.0/.well-known/openid-configuration`) {
      return json(200, {
        issuer: issuer(),
        authorization_endpoint: `${base}${t}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}${t}/oauth2/v2.0/token`,
        jwks_uri: stand.jwksUri,
        response_types_supported: ['code'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      });
    }
    if (req.method === 'GET' && url.pathname === `${t}/discovery/v2.0/keys`) return json(200, jwks);
    if (req.method === 'GET' && url.pathname === `${t}/oauth2/v2.0/authorize`) return authorize(url, res);
    if (req.method === 'POST' && url.pathname === `${t}/oauth2/v2.0/token`) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const [status, body] = await token(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      return json(status, body);
    }
    res.statusCode = 404;
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return stand;
}

/** A stable UUID-shaped value from a string (Entra object ids are GUIDs). */
function uuidOf(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
