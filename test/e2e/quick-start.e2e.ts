/**
 * The README's example request works as printed: `TOKEN=$(npm run --silent token -- ...)` captures a token and
 * nothing else (the script builds first, and a status line of the build once ended up in the token), and that
 * token reads the patient's own record through the facade. Runs the real npm script against the test stack's IdP.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

describe("the README's quick-start request", () => {
  let stack: TestStack;
  let stdout: string;

  beforeAll(async () => {
    stack = await startTestStack();
    const scope = 'openid fhirUser launch/patient patient/*.rs';
    const args = ['run', '--silent', 'token', '--', '--user', 'Patient/pat-001', '--scope', scope, '--idp', stack.idp.issuer, '--aud', stack.fhirBase];
    ({ stdout } = await run('npm', args, { cwd: ROOT, timeout: 180_000 }));
  }, 240_000);
  afterAll(() => stack?.close());

  it('npm run --silent token prints the access token alone on stdout', () => {
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(stdout.trim()).toMatch(JWT);
  });

  it('and that token, used as the shell hands it over, reads the patient', async () => {
    const token = stdout.replace(/\n+$/, ''); // what `$(...)` keeps: everything but the trailing newlines
    const res = await stack.fetch('Patient/pat-001', { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(((await res.json()) as Patient).id).toBe('pat-001');
  });
});
