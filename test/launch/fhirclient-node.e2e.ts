/**
 * The Node `fhirclient` library (SMART's reference JavaScript client) launching against the facade:
 * discovery from `.well-known/smart-configuration`, authorize with PKCE S256 at /auth/authorize, sign-in at
 * the local IdP, code exchange at /auth/token, then FHIR reads with the token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import smart from 'fhirclient';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { REDIRECT_URI, signIn } from './support/facade-flow.js';

let stack: TestStack;
let app: Server;
let appBase: string;
/** fhirclient's server-side session storage: one session for the test's one browser. */
const session = new Map<string, unknown>();
const storage = {
  get: async (k: string) => session.get(k),
  set: async (k: string, v: unknown) => void session.set(k, v),
  unset: async (k: string) => session.delete(k),
};

beforeAll(async () => {
  stack = await startTestStack();
  // A tiny SMART app: /launch starts the flow, /callback completes it and reads the patient in context.
  app = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = smart(req as never, res as never, storage as never);
    const run = async () => {
      if (url.pathname === '/launch') {
        await api.authorize({
          iss: url.searchParams.get('iss') ?? stack.fhirBase,
          launch: url.searchParams.get('launch') ?? undefined,
          clientId: 'smart-app',
          scope: url.searchParams.get('launch') ? 'launch openid fhirUser patient/*.rs' : 'launch/patient openid fhirUser patient/*.rs',
          redirectUri: REDIRECT_URI,
          pkceMode: 'required',
        });
        return;
      }
      const client = await api.ready();
      const patient = (await client.patient.read()) as { id: string; identifier?: { system?: string; value?: string }[] };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ patient, encounter: client.encounter.id, tokenPatient: client.getPatientId() }));
    };
    run().catch((err: Error) => {
      res.statusCode = 500;
      res.end(JSON.stringify({ error: err.message }));
    });
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appBase = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
afterAll(async () => {
  app?.close();
  await stack?.close();
});

/** Opens the app's launch URL like a browser, signs in, and lands on the app's callback. */
async function launchApp(launchQuery: string, user: string): Promise<Record<string, unknown>> {
  const start = await fetch(`${appBase}/launch?${launchQuery}`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.href.startsWith(`${stack.baseUrl}/auth/authorize?`)).toBe(true);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('aud')).toBe(stack.fhirBase);
  const { callback } = await signIn(authorize, { user });
  const done = await fetch(`${appBase}/callback${callback.search}`);
  const body = (await done.json()) as Record<string, unknown>;
  expect(done.status, JSON.stringify(body)).toBe(200);
  return body;
}

describe('Node fhirclient against the facade', () => {
  it('a standalone launch reads the patient in context, masked', async () => {
    const out = await launchApp(`iss=${encodeURIComponent(stack.fhirBase)}`, 'Patient/pat-002');
    const patient = out.patient as { id: string; identifier?: { system?: string; value?: string }[] };
    expect(patient.id).toBe('pat-002');
    expect(out.tokenPatient).toBe('pat-002');
    const ssn = patient.identifier?.find((i) => i.system === 'http://hl7.org/fhir/sid/us-ssn')?.value ?? '';
    expect(ssn).not.toMatch(/^\d{3}-?\d{2}-?\d{4}$/);
  });

  it('an EHR launch with a launch value gets the right patient and encounter', async () => {
    const token = await stack.token('Practitioner/prac-02', 'openid fhirUser user/*.rs');
    const res = await stack.fetch('/bff/provider/launch', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'smart-app', patient: 'pat-014', encounter: 'enc-014-2' }),
    });
    expect(res.status).toBe(201);
    const { launchUrl } = (await res.json()) as { launchUrl: string };
    const out = await launchApp(new URL(launchUrl).search.slice(1), 'Practitioner/prac-02');
    expect((out.patient as { id: string }).id).toBe('pat-014');
    expect(out.encounter).toBe('enc-014-2');
  });
});
