/**
 * Drives a SMART authorization through the facade like a browser: `/auth/authorize` -> local IdP sign-in
 * (form POST, optionally the patient picker) -> redirect carrying the code. Token requests go to the
 * facade's `/auth/token`. Used by the launch suites to send requests that are wrong in exactly one way.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CookieJar } from '../../../src/sandbox/token-flow.http.js';

export const REDIRECT_URI = 'http://127.0.0.1/callback';

export interface FacadeAuthorizeOptions {
  /** The facade's public base URL (`http://127.0.0.1:<port>`). */
  readonly baseUrl: string;
  readonly aud: string;
  readonly user: string;
  readonly scope: string;
  readonly clientId?: string;
  readonly launch?: string;
  /** Patient typed at the IdP, or picked on the picker page. */
  readonly patient?: string;
  readonly challengeMethod?: string;
  /** Leave the patient empty at sign-in so the IdP shows the picker, then pick `patient` there. */
  readonly usePicker?: boolean;
  /** Replace the computed params (e.g. to send a `plain` challenge). */
  readonly extra?: Record<string, string>;
}

export interface FacadeCode {
  readonly code: string;
  readonly verifier: string;
  readonly clientId: string;
  /** Patients offered on the picker page, when it was shown. */
  readonly pickerChoices?: string[];
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The facade's authorize URL for these options (with a fresh PKCE pair). */
export function authorizeUrl(o: FacadeAuthorizeOptions): { url: URL; verifier: string; state: string } {
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString('hex');
  const url = new URL(`${o.baseUrl}/auth/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: o.clientId ?? 'smart-app',
    redirect_uri: REDIRECT_URI,
    scope: o.scope,
    state,
    aud: o.aud,
    code_challenge: challenge,
    code_challenge_method: o.challengeMethod ?? 'S256',
    ...(o.launch ? { launch: o.launch } : {}),
    ...o.extra,
  }).toString();
  return { url, verifier, state };
}

/** Runs the flow up to the code; throws with the failing step's status and body otherwise. */
export async function authorizeThroughFacade(o: FacadeAuthorizeOptions): Promise<FacadeCode> {
  const { url: start, verifier, state } = authorizeUrl(o);
  const { callback, pickerChoices } = await signIn(start, o);
  const error = callback.searchParams.get('error');
  if (error) throw new FlowError(302, error);
  if (callback.searchParams.get('state') !== state) throw new FlowError(302, 'state mismatch');
  return { code: callback.searchParams.get('code')!, verifier, clientId: o.clientId ?? 'smart-app', pickerChoices };
}

/**
 * Follows an authorize URL like a browser through the IdP's sign-in (and picker) until the redirect to
 * `redirectPrefix`; returns that redirect URL.
 */
export async function signIn(
  start: URL,
  o: { user: string; patient?: string; usePicker?: boolean },
  redirectPrefix = REDIRECT_URI,
): Promise<{ callback: URL; pickerChoices?: string[] }> {
  const jar = new CookieJar();
  let url = start;
  let init: RequestInit = { method: 'GET' };
  let posted = 0;
  let pickerChoices: string[] | undefined;
  for (let hop = 0; hop < 12; hop += 1) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header() } });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, url);
      if (next.href.startsWith(redirectPrefix)) return { callback: next, pickerChoices };
      url = next;
      init = { method: 'GET' };
      continue;
    }
    const body = await res.text();
    if (res.status === 200 && url.pathname.startsWith('/interaction/') && posted < 2) {
      const action = /<form[^>]*action="([^"]*\/login)"/.exec(body)?.[1];
      if (!action) throw new FlowError(res.status, body);
      const isPicker = body.includes('Choose a patient');
      if (isPicker) pickerChoices = [...body.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1]!);
      posted += 1;
      url = new URL(action, url);
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ user: o.user, patient: isPicker || !o.usePicker ? (o.patient ?? '') : '' }).toString(),
      };
      continue;
    }
    throw new FlowError(res.status, body);
  }
  throw new FlowError(0, 'too many hops');
}

export class FlowError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`flow stopped with ${status}: ${body.slice(0, 200)}`);
  }
}

/** POSTs a form to the facade's token endpoint; returns status, headers and JSON body. */
export async function postForm(url: string, form: Record<string, string>): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** The authorization-code token request for a code obtained through the facade. */
export function exchange(baseUrl: string, c: FacadeCode, verifier: string | null = c.verifier) {
  return postForm(`${baseUrl}/auth/token`, {
    grant_type: 'authorization_code',
    code: c.code,
    redirect_uri: REDIRECT_URI,
    client_id: c.clientId,
    ...(verifier === null ? {} : { code_verifier: verifier }),
  });
}
