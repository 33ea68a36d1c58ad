/**
 * Issue 7 in the azure profile: a practitioner's standalone launch picks a patient on the facade's picker,
 * after the facade's own sign-in at Entra (its confidential app registration, PKCE, nonce), because Entra has
 * no picker. Against the real local stack fronting the Entra stand-in, with the launch context store in a real
 * Redis. Written as security statements: the picker offers only patients the practitioner may open, the server
 * never trusts the form, every single-use value is single use, a forged id_token stops the flow, and the
 * patient chosen never reaches a token of another account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEntraStandIn, type EntraStandIn } from '../support/entra-stand-in.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { REDIRECT_URI, authorizeUrl, exchange } from './support/facade-flow.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const APP = 'entra-smart-app';
const APP_ID_URI = 'api://fhir-facade-test';
const FACADE_CLIENT = 'fhir-facade-picker';
const FACADE_SECRET = 'picker-client-secret-for-tests';
const SCOPE = 'openid fhirUser launch/patient patient/*.rs';
const DR_THREE = 'dr.three@contoso.example';
const DR_ONE = 'dr.one@contoso.example';
const PAT_FOUR = 'pat.four@contoso.example';
const NOBODY = 'nobody@contoso.example';
/** The patients Practitioner/prac-03 may open (care team, encounters, general practitioner). */
const PRAC_03_CHOICES = ['pat-012', 'pat-021', 'pat-022', 'pat-023', 'pat-024', 'pat-025'];

let redis: RedisServer;
let entra: EntraStandIn;
let stack: TestStack;
const logLines: string[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  entra = await startEntraStandIn({
    appIdUri: APP_ID_URI,
    clients: { [FACADE_CLIENT]: FACADE_SECRET },
    users: { [DR_THREE]: 'Practitioner/prac-03', [DR_ONE]: 'Practitioner/prac-01', [PAT_FOUR]: 'Patient/pat-004' },
  });
  stack = await startTestStack({
    azureProfile: true,
    logLines,
    authorizationServer: { issuer: entra.issuer, audiences: [APP_ID_URI], jwksUri: entra.jwksUri },
    env: { REDIS_URL: redis.url, FACADE_CLIENT_ID: FACADE_CLIENT, FACADE_CLIENT_SECRET: FACADE_SECRET },
  });
});
afterAll(async () => {
  await stack?.close();
  await entra?.close();
  await redis?.stop();
});

const manual = (url: URL | string, init: RequestInit = {}) => fetch(url, { ...init, redirect: 'manual' });
const locationOf = (res: Response) => new URL(res.headers.get('location') ?? 'about:blank');

/** The app opens /auth/authorize; the facade sends the browser to its own Entra sign-in, which returns to the callback. */
async function signInAtFacade(user: string, scope = SCOPE) {
  const { url, verifier, state } = authorizeUrl({ baseUrl: stack.baseUrl, aud: stack.fhirBase, user, clientId: APP, scope, extra: { login_hint: user } });
  const start = await manual(url);
  expect(start.status).toBe(302);
  const facadeSignIn = locationOf(start);
  const signedIn = await manual(facadeSignIn);
  expect(signedIn.status).toBe(302);
  return { facadeSignIn, callback: locationOf(signedIn), verifier, appState: state };
}

/** The picker page: the patients offered and the form's CSRF value. */
async function openPicker(callback: URL) {
  const res = await manual(callback);
  const html = await res.text();
  return {
    res,
    html,
    choices: [...html.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1]!),
    csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '',
  };
}

const choose = (form: Record<string, string>) =>
  manual(`${stack.baseUrl}/auth/picker`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });

/** Entra's authorize for the app (signs in the user) -> the app's redirect with the code. */
async function codeFromEntra(appAuthorize: URL, appState: string) {
  const res = await manual(appAuthorize);
  expect(res.status).toBe(302);
  const back = locationOf(res);
  expect(back.href.startsWith(REDIRECT_URI)).toBe(true);
  expect(back.searchParams.get('state')).toBe(appState);
  return back.searchParams.get('code')!;
}

/** A practitioner's whole flow up to the token response. */
async function pickAndExchange(user: string, patient: string, options: { appSignsIn?: string } = {}) {
  const { callback, verifier, appState } = await signInAtFacade(user);
  const picker = await openPicker(callback);
  expect(picker.res.status).toBe(200);
  const chosen = await choose({ csrf: picker.csrf, patient });
  expect(chosen.status).toBe(302);
  if (options.appSignsIn) entra.signInNext(options.appSignsIn);
  const code = await codeFromEntra(locationOf(chosen), appState);
  return exchange(stack.baseUrl, { code, verifier, clientId: APP });
}

const read = (path: string, token: string) => stack.fetch(path, { token }).then((r) => r.status);

describe('azure profile: a practitioner picks the patient on the facade before the app is authorized', () => {
  it("the facade signs in with its own registration (PKCE S256, nonce, its own state), not the app's", async () => {
    const { facadeSignIn, callback, appState } = await signInAtFacade(DR_THREE);
    const p = facadeSignIn.searchParams;
    expect(facadeSignIn.href.startsWith(entra.issuer.replace('/v2.0', '/oauth2/v2.0/authorize'))).toBe(true);
    expect(Object.fromEntries(p)).toMatchObject({
      client_id: FACADE_CLIENT,
      response_type: 'code',
      redirect_uri: `${stack.baseUrl}/auth/picker/callback`,
      scope: 'openid profile',
      code_challenge_method: 'S256',
    });
    expect(p.get('nonce')?.length).toBeGreaterThanOrEqual(43);
    expect(p.get('state')).not.toBe(appState);
    expect(callback.href.startsWith(`${stack.baseUrl}/auth/picker/callback?`)).toBe(true);
  });

  it('the picker lists only the patients the practitioner may open, on a page without script that cannot be framed', async () => {
    const { callback } = await signInAtFacade(DR_THREE);
    const picker = await openPicker(callback);
    expect(picker.res.status).toBe(200);
    expect(picker.choices).toEqual(PRAC_03_CHOICES);
    expect(picker.html).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    const csp = picker.res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(picker.res.headers.get('cache-control')).toBe('no-store');
    expect(picker.res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it("after choosing, the browser goes on to Entra with the app's own request, and the token response names the chosen patient", async () => {
    const { callback, verifier, appState } = await signInAtFacade(DR_THREE);
    const picker = await openPicker(callback);
    const chosen = await choose({ csrf: picker.csrf, patient: 'pat-021' });
    expect(chosen.status).toBe(302);
    const appAuthorize = locationOf(chosen);
    expect(appAuthorize.searchParams.get('client_id')).toBe(APP);
    expect(appAuthorize.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(appAuthorize.searchParams.get('scope')).toContain(`${APP_ID_URI}/patient.all.rs`);
    const code = await codeFromEntra(appAuthorize, appState);
    const tok = await exchange(stack.baseUrl, { code, verifier, clientId: APP });
    expect(tok.status).toBe(200);
    expect(tok.body).toMatchObject({ patient: 'pat-021', need_patient_banner: true });
    expect(tok.body.pickedBy).toBeUndefined();
    const token = String(tok.body.access_token);
    expect(await read('Patient/pat-021', token)).toBe(200);
    // Another patient the practitioner could have chosen, and one outside their care: both refused.
    expect(await read('Patient/pat-012', token)).toBe(403);
    expect(await read('Patient/pat-001', token)).toBe(403);
    expect(await read('Observation?patient=pat-012', token)).toBe(403);
    // Nothing of the flow's single-use values or the chosen patient in the logs.
    const logs = logLines.join('\n');
    for (const secret of [picker.csrf, callback.searchParams.get('state')!, callback.searchParams.get('code')!, code, token, entra.objectIdOf(DR_THREE)]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('a patient outside the list is refused even when POSTed directly with a valid form value, and nothing is bound', async () => {
    const { callback } = await signInAtFacade(DR_THREE);
    const picker = await openPicker(callback);
    const res = await choose({ csrf: picker.csrf, patient: 'pat-001' });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).not.toContain('pat-001');
    expect(res.headers.get('location')).toBeNull();
    // The form value was spent: the same page cannot now be used for an allowed patient either.
    expect((await choose({ csrf: picker.csrf, patient: 'pat-021' })).status).toBe(400);
  });

  it('the CSRF value is single use, and a missing or made-up one is refused', async () => {
    const { callback } = await signInAtFacade(DR_THREE);
    const picker = await openPicker(callback);
    expect((await choose({ patient: 'pat-021' })).status).toBe(400);
    expect((await choose({ csrf: 'A'.repeat(43), patient: 'pat-021' })).status).toBe(400);
    expect((await choose({ csrf: picker.csrf, patient: 'pat-021' })).status).toBe(302);
    const again = await choose({ csrf: picker.csrf, patient: 'pat-021' });
    expect(again.status).toBe(400);
    expect(again.headers.get('location')).toBeNull();
  });

  it('the sign-in state is single use; an unknown state or an error from Entra stops the flow without echoing it', async () => {
    const { callback } = await signInAtFacade(DR_THREE);
    expect((await openPicker(callback)).res.status).toBe(200);
    const replay = await openPicker(callback);
    expect(replay.res.status).toBe(400);
    expect(replay.csrf).toBe('');
    const unknown = new URL(callback);
    unknown.searchParams.set('state', 'B'.repeat(43));
    expect((await manual(unknown)).status).toBe(400);
    const { callback: second } = await signInAtFacade(DR_THREE);
    const denied = new URL(`${stack.baseUrl}/auth/picker/callback`);
    denied.search = new URLSearchParams({ state: second.searchParams.get('state')!, error: 'access_denied', error_description: '<script>x</script>' }).toString();
    const res = await manual(denied);
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain('<script>');
    // The refused callback spent the state.
    expect((await manual(second)).status).toBe(400);
  });

  it('an id_token with a wrong nonce, audience, issuer or signature is refused', async () => {
    const forged: [string, (c: Record<string, unknown>) => Record<string, unknown>, boolean][] = [
      ['nonce', (c) => ({ ...c, nonce: 'another-nonce' }), false],
      ['no nonce', ({ nonce: _n, ...c }) => c, false],
      ['aud', (c) => ({ ...c, aud: APP }), false],
      ['iss', (c) => ({ ...c, iss: `${String(c.iss)}/other` }), false],
      ['signature', (c) => c, true],
    ];
    for (const [what, edit, foreignKey] of forged) {
      const { callback } = await signInAtFacade(DR_THREE);
      entra.tamperNextIdToken(edit, { foreignKey });
      const picker = await openPicker(callback);
      expect(picker.res.status, what).toBe(400);
      expect(picker.choices, what).toEqual([]);
      expect(picker.csrf, what).toBe('');
    }
  });

  it('when another account signs in for the app than the one who picked, /auth/token answers invalid_grant', async () => {
    const tok = await pickAndExchange(DR_THREE, 'pat-021', { appSignsIn: DR_ONE });
    expect(tok.status).toBe(400);
    expect(tok.body).toMatchObject({ error: 'invalid_grant' });
    expect(tok.body.access_token).toBeUndefined();
    expect(JSON.stringify(tok.body)).not.toContain('pat-021');
  });

  it('the same account signing in for the app gets the context (control for the account-switch case)', async () => {
    const tok = await pickAndExchange(DR_THREE, 'pat-012', { appSignsIn: DR_THREE });
    expect(tok.status).toBe(200);
    expect(tok.body.patient).toBe('pat-012');
  });

  it('a patient user skips the picker and gets their own patient', async () => {
    const { callback, verifier, appState } = await signInAtFacade(PAT_FOUR);
    const res = await manual(callback);
    expect(res.status).toBe(302);
    const appAuthorize = locationOf(res);
    expect(appAuthorize.searchParams.get('client_id')).toBe(APP);
    const code = await codeFromEntra(appAuthorize, appState);
    const tok = await exchange(stack.baseUrl, { code, verifier, clientId: APP });
    expect(tok.status).toBe(200);
    expect(tok.body).toMatchObject({ patient: 'pat-004', need_patient_banner: true });
    const token = String(tok.body.access_token);
    expect(await read('Patient/pat-004', token)).toBe(200);
    expect(await read('Patient/pat-005', token)).toBe(403);
  });

  it('an account linked to no practitioner or patient record is refused at the callback', async () => {
    const { callback } = await signInAtFacade(NOBODY);
    const picker = await openPicker(callback);
    expect(picker.res.status).toBe(400);
    expect(picker.csrf).toBe('');
  });

  it('a standalone launch without launch/patient goes straight to Entra for the app, as before', async () => {
    const { url } = authorizeUrl({ baseUrl: stack.baseUrl, aud: stack.fhirBase, user: DR_THREE, clientId: APP, scope: 'openid fhirUser user/*.rs', extra: { login_hint: DR_THREE } });
    const res = await manual(url);
    expect(res.status).toBe(302);
    expect(locationOf(res).searchParams.get('client_id')).toBe(APP);
  });
});
