import type { IncomingMessage, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';

import { escapeHtml } from '../http/html-escape.js';
import { DEMO_USERS, findDemoUser, ownPatientId, type DemoUser } from './demo-users.js';
import { smartContextsFor, type LaunchContext } from './local-idp.config.js';
import { OIDC_SCOPES, partitionScopes, splitScope } from './local-idp.scopes.js';

/**
 * Login and consent for the local IdP (`/interaction/:uid`): pick a demo user (no password: local sandbox
 * only), optionally a patient for the launch context, and consent is given automatically. Plain HTML
 * form, so a script can drive it with one POST.
 * https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#user-flows
 */
export interface InteractionDeps {
  fhirAudience: string;
  launchContexts: Map<string, LaunchContext>;
  /** Patients a practitioner may open (the facade's provider access policy); limits the standalone picker. */
  patientPicker?: PatientPicker;
}

/** One choice on the standalone-launch patient picker. */
export interface PatientChoice {
  readonly id: string;
  readonly label: string;
}
export type PatientPicker = (practitioner: string) => Promise<readonly PatientChoice[]>;

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const MAX_FORM_BYTES = 8 * 1024;

class InteractionInputError extends Error {}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_FORM_BYTES) throw new InteractionInputError('form too large');
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

function renderLoginPage(interaction: Interaction, error?: string): string {
  const clientId = String(interaction.params['client_id'] ?? '');
  const scope = String(interaction.params['scope'] ?? '');
  const sessionUser = interaction.prompt.name === 'login' ? undefined : interaction.session?.accountId;
  const options = DEMO_USERS.map((u) => {
    const selected = u.id === sessionUser ? ' selected' : '';
    return `<option value="${escapeHtml(u.id)}"${selected}>${escapeHtml(u.id)}: ${escapeHtml(u.name)}</option>`;
  }).join('');
  const uid = escapeHtml(interaction.uid);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local sandbox sign-in</title></head>
<body>
<p><strong>LOCAL SANDBOX ONLY: no password, any demo user can sign in. Never expose this identity provider.</strong></p>
<h1>Sign in to ${escapeHtml(clientId)}</h1>
<p>Requested scopes: <code>${escapeHtml(scope)}</code></p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login" autocomplete="off">
  <label>Demo user <select name="user">${options}</select></label>
  <label>Patient in context (practitioners; e.g. pat-007) <input name="patient" type="text"></label>
  <button type="submit">Sign in and allow</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>
</body></html>`;
}

/** Standalone launch by a practitioner: pick a patient among those the practitioner may open. */
function renderPickerPage(interaction: Interaction, user: DemoUser, choices: readonly PatientChoice[]): string {
  const uid = escapeHtml(interaction.uid);
  const options = choices.map((c) => `<option value="${escapeHtml(c.id)}">${escapeHtml(c.label)} (${escapeHtml(c.id)})</option>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Choose a patient</title></head>
<body>
<h1>Choose a patient</h1>
<p>Patients ${escapeHtml(user.fhirUser)} may open (provider access policy).</p>
<form method="post" action="/interaction/${uid}/login" autocomplete="off">
  <input type="hidden" name="user" value="${escapeHtml(user.id)}">
  ${choices.length ? `<label>Patient <select name="patient">${options}</select></label>` : '<p role="alert">No patient you may open.</p>'}
  <button type="submit">Open</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>
</body></html>`;
}

/** The patient in context for this authorization, per SMART's `launch/patient` (standalone launch). */
function resolvePatient(user: DemoUser, requested: readonly string[], chosen: string): string | undefined {
  const wantsPatient = requested.includes('launch/patient');
  const patientId = chosen.startsWith('Patient/') ? chosen.slice('Patient/'.length) : chosen;
  if (user.kind === 'patient') {
    const own = ownPatientId(user);
    if (patientId !== '' && patientId !== own) {
      throw new InteractionInputError('a patient can only open their own record');
    }
    return wantsPatient ? own : undefined;
  }
  if (patientId === '') {
    if (wantsPatient) throw new InteractionInputError('choose a patient for the launch context');
    return undefined;
  }
  if (!FHIR_ID.test(patientId)) throw new InteractionInputError('patient must be a FHIR id such as pat-007');
  return patientId;
}

async function completeLogin(
  provider: Provider,
  deps: InteractionDeps,
  interaction: Interaction,
  form: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const userId = form.get('user') ?? interaction.session?.accountId ?? '';
  const user = findDemoUser(userId);
  if (!user) throw new InteractionInputError(`unknown demo user; known: ${DEMO_USERS.map((u) => u.id).join(', ')}`);

  const requested = splitScope(interaction.params['scope']);
  // An EHR launch through the facade fixes the patient and encounter (resolved from its `launch` value).
  const launchPatient = typeof interaction.params['launch_patient'] === 'string' ? interaction.params['launch_patient'] : undefined;
  const launchEncounter = typeof interaction.params['launch_encounter'] === 'string' ? interaction.params['launch_encounter'] : undefined;
  if (launchEncounter !== undefined && !FHIR_ID.test(launchEncounter)) throw new InteractionInputError('encounter must be a FHIR id');
  const typed = (form.get('patient') ?? '').trim();
  if (launchPatient !== undefined && typed !== '' && typed !== launchPatient) throw new InteractionInputError('the launch fixes the patient');
  if (user.kind === 'practitioner' && launchPatient === undefined && deps.patientPicker && requested.includes('launch/patient')) {
    const choices = await deps.patientPicker(user.fhirUser);
    if (typed === '') return send(res, 200, renderPickerPage(interaction, user, choices));
    if (!choices.some((c) => c.id === typed)) throw new InteractionInputError('choose a patient from the list');
  }
  const patient = resolvePatient(user, requested, launchPatient ?? typed);
  const resource = typeof interaction.params['resource'] === 'string' ? interaction.params['resource'] : deps.fhirAudience;

  // Auto-consent: grant exactly what was requested and is valid SMART/OIDC (the resource server's own
  // check refused anything else before the interaction started).
  const clientId = String(interaction.params['client_id']);
  const grant = new provider.Grant({ accountId: user.id, clientId });
  const oidcScopes = requested.filter((s) => OIDC_SCOPES.includes(s));
  if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '));
  const { granted } = partitionScopes(requested, smartContextsFor(await provider.Client.find(clientId)));
  if (granted.length > 0) grant.addResourceScope(resource, granted.join(' '));
  const grantId = await grant.save();
  deps.launchContexts.set(grantId, patient ? { patient, ...(launchEncounter ? { encounter: launchEncounter } : {}) } : {});

  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.id }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

/** Handles `/interaction/:uid` (GET form), `/interaction/:uid/login` and `/interaction/:uid/abort` (POST). */
export async function handleInteraction(
  provider: Provider,
  deps: InteractionDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login|\/abort)?$/.exec(path);
  if (!match) return send(res, 404, '<p>Not found</p>');
  const [, uid, action] = match;

  let interaction: Interaction;
  try {
    interaction = await provider.interactionDetails(req, res);
  } catch {
    return send(res, 400, '<p>This sign-in session has expired or its cookie is missing. Start again from the app.</p>');
  }
  if (interaction.uid !== uid) return send(res, 400, '<p>Sign-in session mismatch. Start again from the app.</p>');

  if (req.method === 'GET' && action === undefined) return send(res, 200, renderLoginPage(interaction));
  if (req.method !== 'POST' || action === undefined) return send(res, 405, '<p>Method not allowed</p>');

  if (action === '/abort') {
    return provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
  }
  try {
    const form = await readForm(req);
    await completeLogin(provider, deps, interaction, form, req, res);
  } catch (err) {
    if (err instanceof InteractionInputError) return send(res, 400, renderLoginPage(interaction, err.message));
    throw err;
  }
}
