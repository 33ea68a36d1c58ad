/**
 * HTTP helpers for the scripted OAuth flows: a small cookie jar, OAuth error values, discovery.
 */

/** An OAuth error answered by the authorization server (RFC 6749 §5.2), or a flow step that went wrong. */
export class OAuthFlowError extends Error {
  constructor(
    readonly error: string,
    readonly description: string | undefined,
    readonly status: number | undefined,
  ) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'OAuthFlowError';
  }
}

/** Single-host cookie jar: enough for the IdP's session and interaction cookies over http on loopback. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(res: Response): void {
    for (const header of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k = '', v = ''] = a.trim().split('=');
        const key = k.toLowerCase();
        return (key === 'max-age' && Number(v) <= 0) || (key === 'expires' && Date.parse(v) <= Date.now());
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface DiscoveredEndpoints {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

/** OpenID Connect discovery: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig */
export async function discover(issuer: string): Promise<DiscoveredEndpoints> {
  const base = issuer.replace(/\/+$/, '');
  const res = await fetch(`${base}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new OAuthFlowError('discovery_failed', `openid-configuration answered ${res.status}`, res.status);
  const doc = (await res.json()) as Record<string, unknown>;
  const { authorization_endpoint: authorizationEndpoint, token_endpoint: tokenEndpoint } = doc;
  if (doc['issuer'] !== base || typeof authorizationEndpoint !== 'string' || typeof tokenEndpoint !== 'string') {
    throw new OAuthFlowError('discovery_failed', 'openid-configuration is incomplete or names another issuer', undefined);
  }
  return { issuer: base, authorizationEndpoint, tokenEndpoint };
}

/** Reads an OAuth token endpoint response; a non-2xx answer becomes an `OAuthFlowError`. */
export async function readTokenResponse<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const error = typeof body['error'] === 'string' ? body['error'] : 'token_request_failed';
    const description = typeof body['error_description'] === 'string' ? body['error_description'] : undefined;
    throw new OAuthFlowError(error, description, res.status);
  }
  return body as T;
}
