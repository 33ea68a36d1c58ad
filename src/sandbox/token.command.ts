/**
 * The token command behind `npm run token` (see token.cli.ts): argument parsing and output, testable
 * without a process. Writes only the access token to `out.stdout`.
 */
import { parseArgs } from 'node:util';

import { DEFAULT_FHIR_AUDIENCE, DEFAULT_REDIRECT_URI, obtainUserToken, OAuthFlowError } from './token-flow.js';

export interface CommandOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const USAGE = `usage: npm run token -- --user <fhirUser> --scope "<scopes>" [--patient <id>] [--client <id>] [--idp <url>] [--aud <url>]

  --user      demo user, e.g. Patient/pat-001 or Practitioner/prac-01
  --scope     space-separated SMART scopes, e.g. "launch/patient patient/*.rs"
  --patient   patient to put in context (practitioners), e.g. pat-007
  --client    patient-portal (default), provider-dashboard, smart-app
  --idp       local IdP issuer (default http://127.0.0.1:8082)
  --aud       FHIR base the token is for (default ${DEFAULT_FHIR_AUDIENCE})
  --redirect-uri  registered redirect URI (default ${DEFAULT_REDIRECT_URI})
`;

/** Runs the command; resolves to the process exit code (0 ok, 1 flow failed, 2 usage). */
export async function runTokenCommand(argv: string[], out: CommandOutput): Promise<number> {
  try {
    return await run(argv, out);
  } catch (err) {
    if (err instanceof OAuthFlowError) {
      out.stderr(`token: ${err.message}\n`);
      return 1;
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      out.stderr(`token: ${err.message}\n${USAGE}`);
      return 2;
    }
    const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
    out.stderr(`token: ${err instanceof Error ? err.message : String(err)}${cause}\n`);
    return 1;
  }
}

async function run(argv: string[], out: CommandOutput): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      user: { type: 'string' },
      scope: { type: 'string' },
      patient: { type: 'string' },
      client: { type: 'string', default: 'patient-portal' },
      idp: { type: 'string', default: 'http://127.0.0.1:8082' },
      aud: { type: 'string', default: DEFAULT_FHIR_AUDIENCE },
      'redirect-uri': { type: 'string', default: DEFAULT_REDIRECT_URI },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out.stdout(USAGE);
    return 0;
  }
  if (!values.user || !values.scope) {
    out.stderr(USAGE);
    return 2;
  }
  const tokens = await obtainUserToken({
    issuer: values.idp,
    clientId: values.client,
    redirectUri: values['redirect-uri'],
    user: values.user,
    scope: values.scope,
    aud: values.aud,
    ...(values.patient ? { patient: values.patient } : {}),
  });
  out.stdout(`${tokens.access_token}\n`);
  return 0;
}

