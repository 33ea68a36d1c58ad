/**
 * The one place where FHIR OperationOutcome values are built.
 * Every error the facade answers is one of these, written by the global filter.
 * Texts are fixed phrases: they never echo client input, tokens or PHI.
 *
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 * @see https://hl7.org/fhir/R4/valueset-issue-type.html
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueCode = OperationOutcomeIssue['code'];

/** An OperationOutcome together with the HTTP status it travels with. */
export class OperationOutcomeError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(outcome.issue?.[0]?.details?.text ?? 'OperationOutcome');
    this.name = 'OperationOutcomeError';
  }
}

/** Builds a one-issue OperationOutcome. */
export function outcome(
  severity: OperationOutcomeIssue['severity'],
  code: IssueCode,
  text: string,
  expression?: string[],
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, details: { text } };
  if (expression?.length) issue.expression = expression;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

const error = (status: number, code: IssueCode, text: string, expression?: string[], headers?: Record<string, string>) =>
  new OperationOutcomeError(status, outcome('error', code, text, expression), headers);

export const allOk: OperationOutcome = outcome('information', 'informational', 'All OK');

export const badRequest = (text: string, expression?: string[]) => error(400, 'invalid', text, expression);
export const invalidResource = (issues: OperationOutcomeIssue[]) =>
  new OperationOutcomeError(400, { resourceType: 'OperationOutcome', issue: issues });
export const unauthorized = (headers: Record<string, string>) =>
  error(401, 'login', 'Authentication required', undefined, headers);
export const invalidToken = (headers: Record<string, string>) =>
  error(401, 'login', 'Invalid or expired access token', undefined, headers);
/** A denial names the rule that denied, never the data. */
export const forbidden = (rule: string) => error(403, 'forbidden', `Access denied by rule: ${rule}`);
export const notFound = () => error(404, 'not-found', 'Resource not found');
export const unknownType = () => error(404, 'not-supported', 'Unknown resource type');
export const methodNotAllowed = () => error(405, 'not-supported', 'Interaction not supported');
export const notAcceptable = () => error(406, 'not-supported', 'Only FHIR JSON is supported (application/fhir+json)');
export const conflict = (text = 'Version conflict') => error(409, 'conflict', text);
export const preconditionFailed = () => error(412, 'conflict', 'Resource version does not match If-Match');
export const payloadTooLarge = () => error(413, 'too-costly', 'Request body too large');
export const unsupportedMediaType = () =>
  error(415, 'not-supported', 'Request body must be FHIR JSON (application/fhir+json)');
export const tooManyRequests = (retryAfterSeconds: number) =>
  error(429, 'throttled', 'Too many requests', undefined, { 'retry-after': String(retryAfterSeconds) });
export const serverError = () => error(500, 'exception', 'Internal server error');
export const badGateway = () => error(502, 'transient', 'Upstream FHIR server unavailable');
export const serviceUnavailable = (text = 'Service temporarily unavailable', retryAfterSeconds?: number) =>
  error(503, 'transient', text, undefined, retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : undefined);
export const gatewayTimeout = () => error(504, 'timeout', 'Upstream FHIR server timed out');

/**
 * The upstream's answer is larger than the facade takes in (UPSTREAM_MAX_RESPONSE_BYTES). About the request, not a
 * sick upstream: the same request would be as large again, so it is neither retried nor counted against the backend.
 */
export class UpstreamTooLargeError extends OperationOutcomeError {
  constructor() {
    super(502, outcome('error', 'too-costly', 'Upstream response larger than the facade accepts: narrow the request (a smaller _count, fewer _include)'));
  }
}
export const upstreamTooLarge = () => new UpstreamTooLargeError();

/** True when a value is an OperationOutcome resource. */
export function isOperationOutcome(value: unknown): value is OperationOutcome {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'OperationOutcome';
}
