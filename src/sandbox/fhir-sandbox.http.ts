/**
 * The sandbox's HTTP adapter: turns a `node:http` request into a Medplum `FhirRequest`, runs it through the
 * `FhirRouter`, and writes the FHIR R4 JSON answer the way a FHIR server does: status from the outcome,
 * `Location`, `ETag` and `Last-Modified` on writes, `Prefer: return=…`, absolute `fullUrl`s and `Bundle.link`s
 * on the sandbox's own base (so the facade's URL rewriting has something real to rewrite).
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, getStatus, isOk, normalizeOperationOutcome, notFound } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FhirRequest, FhirRouter, HttpMethod } from '@medplum/fhir-router';
import { buildCapabilityStatement } from './fhir-sandbox.capability.js';
import type { SandboxRepository } from './fhir-sandbox.repository.js';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface SandboxHttpOptions {
  readonly router: FhirRouter;
  readonly repo: SandboxRepository;
  /** Path prefix of the FHIR base, e.g. `/fhir/R4`. */
  readonly basePath: string;
  /** Absolute FHIR base URL, known once the server listens. */
  readonly baseUrl: () => string;
  /** Page size when a search names no `_count`. */
  readonly defaultCount: number;
  readonly maxCount: number;
  readonly maxBodyBytes: number;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly outcome: OperationOutcome) {
    super(outcome.issue?.[0]?.details?.text);
  }
}

/** Builds the request listener. Writes are serialised (the in-memory store's transactions are not isolated). */
export function createSandboxListener(opts: SandboxHttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  let writes: Promise<unknown> = Promise.resolve();
  return (req, res) => {
    const run = () => handle(opts, req, res).catch((err) => send(res, 500, normalizeOperationOutcome(err)));
    const isWrite = req.method !== 'GET' && !(req.method === 'POST' && (req.url ?? '').split('?')[0]!.endsWith('/_search'));
    if (isWrite) writes = writes.then(run, run);
    else void run();
  };
}

async function handle(opts: SandboxHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
  const target = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const path = target.pathname.replace(/\/+$/, '');
  if (path !== opts.basePath && !path.startsWith(`${opts.basePath}/`)) return send(res, 404, notFound);
  if (!METHODS.includes(method)) return send(res, 405, outcomeOf('not-supported', 'Method not supported'));
  const rel = path.slice(opts.basePath.length).replace(/^\/+/, '');
  const base = opts.baseUrl();

  if (method === 'GET' && rel === 'metadata') return send(res, 200, buildCapabilityStatement(base));

  let body: unknown;
  try {
    body = await readBody(req, opts.maxBodyBytes);
  } catch (err) {
    if (err instanceof HttpError) return send(res, err.status, err.outcome);
    throw err;
  }
  const segments = rel.split('/').filter(Boolean);
  const isTypeSearch = (method === 'GET' && segments.length === 1 && /^[A-Z]/.test(segments[0]!)) || (method === 'POST' && segments[1] === '_search');
  if (isTypeSearch) {
    const params = method === 'GET' ? target.searchParams : toSearchParams(body);
    const count = Number.parseInt(params.get('_count') ?? '', 10);
    params.set('_count', String(Number.isFinite(count) && count >= 0 ? Math.min(count, opts.maxCount) : opts.defaultCount));
    if (method === 'POST') body = Object.fromEntries([...params.keys()].map((k) => [k, params.getAll(k).length > 1 ? params.getAll(k) : params.get(k)!]));
  }
  const search = target.searchParams.toString();
  const fhirReq: FhirRequest = {
    method,
    url: `${rel}${search ? `?${search}` : ''}`,
    pathname: '',
    params: {},
    query: Object.fromEntries(target.searchParams),
    body,
    headers: req.headers,
    config: { transactions: true },
  };
  const [outcome, resource] = await opts.router.handleRequest(fhirReq, opts.repo);
  const status = getStatus(outcome);
  if (!isOk(outcome) || !resource) return send(res, status, outcome);

  if (resource.resourceType === 'Bundle') {
    absolutize(resource as Bundle, base);
    if (isTypeSearch) addSearchLinks(resource as Bundle, base, segments.slice(0, 1).join('/'), method === 'GET' ? target.searchParams : toSearchParams(body));
    else if (method === 'GET') (resource as Bundle).link = [{ relation: 'self', url: `${base}/${fhirReq.url}` }];
  }
  const headers: Record<string, string> = {};
  const isWrite = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const isResourceWrite = isWrite && resource.resourceType !== 'Bundle' && segments[0] !== '$graphql';
  if (resource.meta?.versionId) headers.ETag = `W/"${resource.meta.versionId}"`;
  if (resource.meta?.lastUpdated) headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  if (isResourceWrite && resource.id) {
    headers.Location = `${base}/${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId ?? ''}`.replace(/\/_history\/$/, '');
  }
  if (isResourceWrite) {
    const prefer = String(req.headers.prefer ?? '');
    if (/return=minimal/.test(prefer)) return send(res, status, undefined, headers);
    if (/return=OperationOutcome/i.test(prefer)) return send(res, status, outcome, headers);
  }
  return send(res, status, resource, headers);
}

/** Absolute `fullUrl`s and, in batch/transaction responses, absolute `Location`s with `etag`/`lastModified`. */
function absolutize(bundle: Bundle, base: string): void {
  for (const entry of bundle.entry ?? []) {
    absolutizeEntry(entry, base);
  }
}

function absolutizeEntry(entry: BundleEntry, base: string): void {
  const r = entry.resource;
  if (r?.id && !entry.fullUrl) entry.fullUrl = `${base}/${r.resourceType}/${r.id}`;
  if (entry.response) {
    if (r?.meta?.versionId) entry.response.etag ??= `W/"${r.meta.versionId}"`;
    if (r?.meta?.lastUpdated) entry.response.lastModified ??= r.meta.lastUpdated;
    if (entry.response.location && !/^https?:/.test(entry.response.location)) {
      const vid = r?.meta?.versionId && !entry.response.location.includes('/_history/') ? `/_history/${r.meta.versionId}` : '';
      entry.response.location = `${base}/${entry.response.location}${vid}`;
    }
  }
  if (r?.resourceType === 'Bundle') absolutize(r as Bundle, base);
}

/** `self`, `first`, `previous` and `next` links for an offset-paged search. */
function addSearchLinks(bundle: Bundle, base: string, type: string, params: URLSearchParams): void {
  const count = Number.parseInt(params.get('_count') ?? '0', 10);
  const offset = Number.parseInt(params.get('_offset') ?? '0', 10) || 0;
  const at = (o: number) => {
    const p = new URLSearchParams(params);
    p.set('_offset', String(Math.max(0, o)));
    return `${base}/${type}?${p.toString()}`;
  };
  const link: Bundle['link'] = [{ relation: 'self', url: `${base}/${type}?${params.toString()}` }, { relation: 'first', url: at(0) }];
  if (offset > 0 && count > 0) link.push({ relation: 'previous', url: at(offset - count) });
  if (count > 0 && bundle.total !== undefined && offset + count < bundle.total) link.push({ relation: 'next', url: at(offset + count) });
  bundle.link = link;
}

function toSearchParams(body: unknown): URLSearchParams {
  const params = new URLSearchParams();
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      for (const value of Array.isArray(v) ? v : [v]) if (value !== undefined) params.append(k, String(value));
    }
  }
  return params;
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, outcomeOf('too-costly', 'Request body too large'));
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams(text);
    return Object.fromEntries([...new Set(params.keys())].map((k) => [k, params.getAll(k).length > 1 ? params.getAll(k) : params.get(k)!]));
  }
  if (type === '' || type.endsWith('json')) {
    try {
      return JSON.parse(text);
    } catch {
      throw new HttpError(400, badRequest('Malformed JSON body'));
    }
  }
  throw new HttpError(415, outcomeOf('not-supported', 'Only FHIR JSON is supported'));
}

function outcomeOf(code: 'not-supported' | 'too-costly', text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}

function send(res: ServerResponse, status: number, body: Resource | undefined, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const payload = body ? JSON.stringify(body) : '';
  res.writeHead(status, {
    ...headers,
    ...(body ? { 'Content-Type': FHIR_JSON } : {}),
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
