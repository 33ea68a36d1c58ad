import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OperationOutcomeError, UpstreamTooLargeError } from '../fhir/outcomes.js';
import { FhirHttpBackend } from './fhir-http.backend.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const credential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'upstream-token', expiresOnTimestamp: Date.now() + 60_000 }),
};

/** A port that was just free and is closed again: nothing listens there. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('FhirHttpBackend against a real HTTP server', () => {
  let server: Server;
  let base: string;
  let seen: Seen[];
  let answer: (res: ServerResponse) => void;
  const LIMITS = { timeoutMs: 2_000, maxResponseBytes: 64 * 1024 };
  const backend = () => new FhirHttpBackend('fhir', base, credential, 'scope', LIMITS);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/fhir`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen = [];
    answer = (res) => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Patient","id":"p1"}');
  });

  it('sends the credential token, FHIR accept, path and query, and parses the body once', async () => {
    const res = await backend().request({ method: 'GET', path: 'Patient/p1', query: '_summary=true', headers: { 'x-request-id': 'r-1' } });
    expect(res).toMatchObject({ status: 200, body: { resourceType: 'Patient', id: 'p1' } });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/fhir/Patient/p1?_summary=true' });
    expect(seen[0]!.headers).toMatchObject({ authorization: 'Bearer upstream-token', accept: 'application/fhir+json', 'x-request-id': 'r-1' });
  });

  it('serialises an object body as FHIR JSON and keeps a given content type', async () => {
    await backend().request({ method: 'POST', path: 'Patient', body: { resourceType: 'Patient' } });
    expect(seen[0]!.headers['content-type']).toBe('application/fhir+json');
    expect(JSON.parse(seen[0]!.body)).toEqual({ resourceType: 'Patient' });
    await backend().request({ method: 'POST', path: 'Observation/_search', body: 'patient=p1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(seen[1]).toMatchObject({ url: '/fhir/Observation/_search', body: 'patient=p1' });
    expect(seen[1]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('returns only the FHIR response headers it knows, and no body for an empty answer', async () => {
    answer = (res) => res.writeHead(201, { location: `${base}/Patient/p2/_history/1`, etag: 'W/"1"', 'set-cookie': 'x=1' }).end();
    const res = await backend().request({ method: 'POST', path: 'Patient', body: { resourceType: 'Patient' } });
    expect(res.status).toBe(201);
    expect(res.body).toBeUndefined();
    expect(res.headers).toEqual({ location: `${base}/Patient/p2/_history/1`, etag: 'W/"1"' });
  });

  it('keeps an upstream 4xx status with its OperationOutcome', async () => {
    const oo = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] };
    answer = (res) => res.writeHead(404, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(oo));
    const err = await backend().request({ method: 'GET', path: 'Patient/nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationOutcomeError);
    expect((err as OperationOutcomeError).status).toBe(404);
    expect((err as OperationOutcomeError).outcome).toEqual(oo);
  });

  it('never passes on a non-FHIR error body: an HTML 500 becomes a generic outcome with the status', async () => {
    answer = (res) => res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>SSN 123-45-6789 stack trace</h1>');
    const err = (await backend().request({ method: 'GET', path: 'Patient/p1' }).catch((e: unknown) => e)) as OperationOutcomeError;
    expect(err.status).toBe(500);
    expect(JSON.stringify(err.outcome)).not.toContain('123-45-6789');
  });

  it('answers 502 for a 2xx that is not JSON and for a redirect (never followed)', async () => {
    answer = (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    expect(((await backend().request({ method: 'GET', path: 'Patient/p1' }).catch((e: unknown) => e)) as OperationOutcomeError).status).toBe(502);
    answer = (res) => res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end();
    expect(((await backend().request({ method: 'GET', path: 'Patient/p1' }).catch((e: unknown) => e)) as OperationOutcomeError).status).toBe(502);
    expect(seen).toHaveLength(2);
  });

  it('answers 504 when the deadline passes and 502 when nothing listens', async () => {
    answer = () => undefined; // never answers
    const late = await backend()
      .request({ method: 'GET', path: 'Patient/p1', signal: AbortSignal.timeout(100) })
      .catch((e: unknown) => e);
    expect((late as OperationOutcomeError).status).toBe(504);
    const closed = new FhirHttpBackend('fhir', `http://127.0.0.1:${await closedPort()}/fhir`, credential, 'scope', LIMITS);
    expect(((await closed.request({ method: 'GET', path: 'metadata' }).catch((e: unknown) => e)) as OperationOutcomeError).status).toBe(502);
    expect(await closed.ping()).toBe(false);
  });

  describe('an answer longer than UPSTREAM_MAX_RESPONSE_BYTES', () => {
    /** A Patient whose JSON is exactly `bytes` long, with an SSN-like value that must not come back. */
    const patientOf = (bytes: number) => {
      const head = '{"resourceType":"Patient","id":"big","text":{"div":"SSN 123-45-6789 ';
      const tail = '"}}';
      return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
    };
    const tooLarge = async () => (await backend().request({ method: 'GET', path: 'Patient/big' }).catch((e: unknown) => e)) as OperationOutcomeError;

    it('is refused with 502 too-costly when the upstream declares its length', async () => {
      answer = (res) => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(patientOf(LIMITS.maxResponseBytes + 1));
      const err = await tooLarge();
      expect(err).toBeInstanceOf(UpstreamTooLargeError);
      expect(err.status).toBe(502);
      expect(err.outcome.issue[0]).toMatchObject({ severity: 'error', code: 'too-costly' });
      expect(JSON.stringify(err.outcome)).not.toContain('123-45-6789');
    });

    it('is refused when the upstream streams it chunked, without a length, and so is an error body', async () => {
      answer = (res) => {
        res.writeHead(200, { 'content-type': 'application/fhir+json' });
        const body = patientOf(LIMITS.maxResponseBytes * 4);
        for (let at = 0; at < body.length; at += 8192) res.write(body.slice(at, at + 8192));
        res.end();
      };
      expect(await tooLarge()).toBeInstanceOf(UpstreamTooLargeError);
      answer = (res) => res.writeHead(500, { 'content-type': 'text/html' }).end(patientOf(LIMITS.maxResponseBytes * 2));
      expect(await tooLarge()).toBeInstanceOf(UpstreamTooLargeError);
    });

    it('takes an answer of exactly the limit, and the backend goes on answering after a refusal', async () => {
      answer = (res) => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(patientOf(LIMITS.maxResponseBytes));
      const res = await backend().request({ method: 'GET', path: 'Patient/big' });
      expect(res.body).toMatchObject({ resourceType: 'Patient', id: 'big' });
      answer = (res) => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(patientOf(LIMITS.maxResponseBytes + 100));
      expect(await tooLarge()).toBeInstanceOf(UpstreamTooLargeError);
      answer = (res) => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Patient","id":"p1"}');
      await expect(backend().request({ method: 'GET', path: 'Patient/p1' })).resolves.toMatchObject({ status: 200, body: { id: 'p1' } });
    });
  });
});
