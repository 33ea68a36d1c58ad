/**
 * A local EMR sandbox, Epic-like or Oracle Health (Cerner)-like, on one loopback port: the Medplum FHIR router
 * over its own generated data at the vendor's base URL form (`/api/FHIR/R4`, `/r4/<tenant id>`), and a SMART
 * Backend Services token endpoint (the local oidc-provider, `private_key_jwt` only) at the vendor's token path.
 * FHIR requests need a bearer token from that endpoint (JWT, audience = the FHIR base, a `system/` scope).
 * Registered client keys can be replaced at run time (key rotation); faults can be injected (emr-sandbox.faults.ts).
 *
 * @see https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resource } from '@medplum/fhirtypes';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { generateEmrData, type EmrKind } from './emr-sandbox.data.js';
import { EmrFaults } from './emr-sandbox.faults.js';
import { createSandboxListener } from './fhir-sandbox.http.js';
import { createSandboxEngine } from './fhir-sandbox.server.js';
import { LocalIdpStore } from './local-idp.adapter.js';
import { buildProviderConfiguration, type ClientMetadata } from './local-idp.config.js';
import { generateBackendClientKey, generateSigningJwk, publicJwk, type SigningJwk } from './local-idp.keys.js';

/** Oracle Health's public sandbox tenant id form (a GUID), here a fixed synthetic one. */
export const CERNER_TENANT = 'ec2458f2-1e24-41c8-b71b-0e701af7583d';

const LAYOUT: Readonly<Record<EmrKind, { basePath: string; tokenPath: string }>> = {
  epic: { basePath: '/api/FHIR/R4', tokenPath: '/oauth2/token' },
  cerner: { basePath: `/r4/${CERNER_TENANT}`, tokenPath: `/tenants/${CERNER_TENANT}/protocols/oauth2/profiles/smart-v1/token` },
};

export interface EmrBackendClient {
  readonly clientId: string;
  readonly alg: 'RS384' | 'ES384';
  /** Public keys registered for the client (a JWKS, as registered with the vendor). */
  readonly publicJwks: readonly JWK[];
}

export interface EmrSandboxOptions {
  readonly kind: EmrKind;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly clients: readonly EmrBackendClient[];
  readonly resources?: readonly Resource[];
  readonly defaultCount?: number;
}

export interface EmrSandbox {
  readonly kind: EmrKind;
  readonly fhirBaseUrl: string;
  readonly tokenUrl: string;
  readonly issuer: string;
  readonly faults: EmrFaults;
  /** Replaces a client's registered keys (the EMR side of a key rotation). */
  setClientKeys(clientId: string, publicJwks: readonly JWK[]): void;
  close(): Promise<void>;
}

export async function startEmrSandbox(options: EmrSandboxOptions): Promise<EmrSandbox> {
  const layout = LAYOUT[options.kind];
  const { router, repo } = await createSandboxEngine(options.resources ?? generateEmrData(options.kind));
  const faults = new EmrFaults();
  const signing: SigningJwk = await generateSigningJwk('RS256');
  const store = new LocalIdpStore(); // outlives provider rebuilds: replayed jti values stay refused
  const clients = new Map(options.clients.map((c) => [c.clientId, c]));
  let issuer = '';
  let fhirBaseUrl = '';
  let tokenHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  /** Faults first, then the bearer token, then the Medplum router. */
  const serveFhir = async (req: IncomingMessage, res: ServerResponse, listener: (req: IncomingMessage, res: ServerResponse) => void) => {
    faults.hits.fhir += 1;
    faults.hits.byMethod[req.method ?? 'GET'] = (faults.hits.byMethod[req.method ?? 'GET'] ?? 0) + 1;
    const fault = faults.take();
    if (fault?.kind === 'reset') return req.socket.destroy();
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.kind === 'status') return sendJson(res, fault.status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
    if (!(await authorized(req.headers.authorization))) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      return sendJson(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    }
    listener(req, res);
  };
  const jwks = createLocalJWKSet({ keys: [publicJwk(signing)] });
  const authorized = async (header: string | undefined): Promise<boolean> => {
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    if (!token) return false;
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer, audience: fhirBaseUrl });
      return String(payload['scope'] ?? '').split(' ').some((s) => s.startsWith('system/')) && (payload.iat ?? 0) >= faults.revokedBefore;
    } catch {
      return false;
    }
  };

  let fhirListener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (fhirListener && (path === layout.basePath || path.startsWith(`${layout.basePath}/`))) return fhirListener(req, res);
    faults.hits.token += path === layout.tokenPath ? 1 : 0;
    if (faults.tokenDown) return req.socket.destroy();
    if (!tokenHandler) return sendJson(res, 503, {});
    tokenHandler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}`;
  fhirBaseUrl = `${issuer}${layout.basePath}`;
  const sandboxListener = createSandboxListener({
    router,
    repo,
    basePath: layout.basePath,
    baseUrl: () => fhirBaseUrl,
    defaultCount: options.defaultCount ?? 20,
    maxCount: 1000,
    maxBodyBytes: 1024 * 1024,
  });
  fhirListener = (req, res) => void serveFhir(req, res, sandboxListener);

  const backendClientKey = await generateBackendClientKey('unused-backend-service');
  const install = () => {
    const configuration = buildProviderConfiguration({
      fhirAudience: fhirBaseUrl,
      redirectUris: [],
      extraClients: [...clients.values()].map(clientMetadata),
      backendClientKey,
      signingKeys: [signing],
      cookieKeys: [randomBytes(32).toString('base64url')],
      store,
      launchContexts: new Map(),
    });
    const provider = new Provider(issuer, { ...configuration, routes: { token: layout.tokenPath } });
    tokenHandler = provider.callback();
  };
  install();

  return {
    kind: options.kind,
    fhirBaseUrl,
    tokenUrl: `${issuer}${layout.tokenPath}`,
    issuer,
    faults,
    setClientKeys(clientId, publicJwks) {
      const client = clients.get(clientId);
      if (!client) throw new Error(`unknown client ${clientId}`);
      clients.set(clientId, { ...client, publicJwks });
      install();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function clientMetadata(client: EmrBackendClient): ClientMetadata {
  return {
    client_id: client.clientId,
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: client.alg,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    jwks: { keys: client.publicJwks.map((k) => ({ ...k })) },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
