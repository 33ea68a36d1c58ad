import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLocalIdp, type LocalIdp } from './local-idp.server.js';
import { runTokenCommand } from './token.command.js';

const FHIR_BASE = 'http://127.0.0.1:8080/fhir';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runTokenCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('npm run token', () => {
  let idp: LocalIdp;

  beforeAll(async () => {
    idp = await startLocalIdp({ port: 0, fhirAudience: FHIR_BASE });
  });
  afterAll(async () => {
    await idp?.close();
  });

  it('prints only the access token of a practitioner with the chosen patient', async () => {
    const { code, stdout, stderr } = await run([
      '--user', 'Practitioner/prac-03',
      '--scope', 'launch/patient patient/*.rs',
      '--patient', 'pat-012',
      '--client', 'provider-dashboard',
      '--idp', idp.issuer,
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(decodeJwt(stdout.trim())).toMatchObject({
      aud: FHIR_BASE,
      fhirUser: 'Practitioner/prac-03',
      patient: 'pat-012',
      client_id: 'provider-dashboard',
      scope: 'launch/patient patient/*.rs',
    });
  });

  it('prints nothing on stdout and exits non-zero when the flow is refused', async () => {
    const { code, stdout, stderr } = await run(['--user', 'Patient/pat-001', '--scope', 'system/*.rs', '--idp', idp.issuer]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('invalid_scope');
  });

  it('explains its usage when arguments are missing or unknown', async () => {
    expect(await run(['--scope', 'patient/*.rs'])).toMatchObject({ code: 2, stdout: '' });
    const unknown = await run(['--user', 'Patient/pat-001', '--scope', 'x', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: npm run token');
  });
});
