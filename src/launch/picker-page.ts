/**
 * The pages of the azure profile's patient picker (`/auth/picker/*`): the picker itself and its refusals.
 * Browser pages, not OAuth answers: the facade does not hold the apps' registered redirect URIs, so a refusal
 * is never redirected (no open redirector) but shown as a plain page of a fixed phrase that echoes no input.
 * Every value on a page is HTML-escaped; no script and no inline style, and a Content-Security-Policy that
 * allows none; `form-action` names the facade and the authorization server the form's answer redirects to.
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-standalone-launch
 * @see https://www.w3.org/TR/CSP3/#directive-form-action
 */
import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { escapeHtml } from '../http/html-escape.js';
import { describe } from '../fhir/operation-outcome.filter.js';
import type { PatientChoice } from './patient-picker.js';

const REFUSALS = {
  'sign-in-unknown': [400, 'This sign-in is unknown, has expired or was already used. Start again from the app.'],
  'sign-in-failed': [400, 'The sign-in could not be completed. Start again from the app.'],
  'form-unknown': [400, 'This form is unknown, has expired or was already sent. Start again from the app.'],
  'not-a-choice': [400, 'That patient is not one you may open. Start again from the app.'],
  'no-fhir-user': [400, 'Your account is not linked to a practitioner or patient record.'],
  unavailable: [503, 'The sign-in service is unavailable. Try again later.'],
} as const satisfies Record<string, readonly [number, string]>;

export type PickerRefusalReason = keyof typeof REFUSALS;

/** A refusal of the picker flow, shown as a plain page with a fixed phrase. */
export class PickerRefusal extends Error {
  constructor(readonly reason: PickerRefusalReason) {
    super(REFUSALS[reason][1]);
    this.name = 'PickerRefusal';
  }
}

/** The form's field names (the page and the POST handler share them). */
export const PICKER_FIELDS = { csrf: 'csrf', patient: 'patient' } as const;

/** Headers of every picker page: no caching, no framing, no script, no referrer (the callback URL held a code). */
export function pageHeaders(formTargetOrigin?: string): Record<string, string> {
  const formAction = ["'self'", ...(formTargetOrigin ? [formTargetOrigin] : [])].join(' ');
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-security-policy': `default-src 'none'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

/** The picker: the practitioner's allowed patients; the form posts the choice and the single-use CSRF value. */
export function renderPickerPage(practitioner: string, choices: readonly PatientChoice[], csrf: string): string {
  const options = choices.map((c) => `<option value="${escapeHtml(c.id)}">${escapeHtml(c.label)} (${escapeHtml(c.id)})</option>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Choose a patient</title></head>
<body>
<h1>Choose a patient</h1>
<p>Patients ${escapeHtml(practitioner)} may open (provider access policy).</p>
${
  choices.length
    ? `<form method="post" action="/auth/picker" autocomplete="off">
  <input type="hidden" name="${PICKER_FIELDS.csrf}" value="${escapeHtml(csrf)}">
  <label>Patient <select name="${PICKER_FIELDS.patient}" required>${options}</select></label>
  <button type="submit">Open</button>
</form>`
    : '<p role="alert">No patient you may open.</p>'
}
</body></html>`;
}

export function renderRefusalPage(message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Sign-in stopped</title></head>
<body><h1>Sign-in stopped</h1><p role="alert">${escapeHtml(message)}</p></body></html>`;
}

/** Writes a PickerRefusal (and anything unexpected, as a 500) as a plain page; nothing of the request is logged. */
@Catch()
export class PickerPageFilter implements ExceptionFilter {
  private readonly logger = new Logger('PatientPicker');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    let status: number;
    let message: string;
    if (exception instanceof PickerRefusal) {
      [status, message] = REFUSALS[exception.reason];
    } else {
      this.logger.error({ error: describe(exception) }, 'unexpected error in the patient picker');
      [status, message] = [500, 'The sign-in could not be completed. Start again from the app.'];
    }
    reply.status(status).headers(pageHeaders()).send(renderRefusalPage(message));
  }
}
