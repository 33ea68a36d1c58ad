/**
 * The local FHIR sandbox: Medplum's `FhirRouter` over an in-memory repository, seeded with the deterministic
 * synthetic data set and served as FHIR R4 JSON over plain `node:http` on loopback. The facade reaches it over
 * HTTP exactly as it reaches Azure Health Data Services.
 *
 * Base URL: `http://<host>:<port>/fhir/R4` (the path prefix is deliberate: an upstream base with a path is what
 * the facade's URL rewriting must cope with). No authentication: loopback only.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resource } from '@medplum/fhirtypes';
import { FhirRouter } from '@medplum/fhir-router';
import { loadFhirDefinitions } from './fhir-sandbox.definitions.js';
import { createSandboxListener } from './fhir-sandbox.http.js';
import { SandboxRepository } from './fhir-sandbox.repository.js';
import { addSandboxRoutes } from './fhir-sandbox.routes.js';
import { generateSyntheticData } from './synthetic-data.generator.js';

export const SANDBOX_BASE_PATH = '/fhir/R4';
/** `meta.lastUpdated` of every seeded resource (version 1): the data set's reference date. */
export const SEED_LAST_UPDATED = '2026-01-01T00:00:00.000Z';

export interface FhirSandboxOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Listen address; loopback by default (the sandbox has no authentication). */
  readonly host?: string;
  /** Seed resources; the synthetic data set by default. */
  readonly resources?: readonly Resource[];
  /** Path prefix of the FHIR base; `/fhir/R4` by default. */
  readonly basePath?: string;
  /** Page size of searches without `_count` (default 20; `_count` is capped at 1000). */
  readonly defaultCount?: number;
}

export interface FhirSandbox {
  /** Absolute FHIR base URL without a trailing slash, e.g. `http://127.0.0.1:8081/fhir/R4`. */
  readonly url: string;
  readonly port: number;
  readonly repo: SandboxRepository;
  readonly router: FhirRouter;
  close(): Promise<void>;
}

/** Builds a router and a repository seeded with `resources` (version 1, fixed `lastUpdated`), without HTTP. */
export async function createSandboxEngine(resources: readonly Resource[]): Promise<{ router: FhirRouter; repo: SandboxRepository }> {
  loadFhirDefinitions();
  const repo = new SandboxRepository();
  const router = new FhirRouter();
  addSandboxRoutes(router, repo);
  // Seeding mode keeps the given versionId and lastUpdated, so reads are the same on every run.
  await repo.withSeeding(async () => {
    for (const r of resources) {
      await repo.createResource({ ...r, meta: { ...r.meta, versionId: r.meta?.versionId ?? '1', lastUpdated: r.meta?.lastUpdated ?? SEED_LAST_UPDATED } });
    }
  });
  return { router, repo };
}

/** Starts the sandbox on `host:port` and resolves once it listens. */
export async function startFhirSandbox(options: FhirSandboxOptions): Promise<FhirSandbox> {
  const host = options.host ?? '127.0.0.1';
  const basePath = (options.basePath ?? SANDBOX_BASE_PATH).replace(/\/+$/, '');
  const { router, repo } = await createSandboxEngine(options.resources ?? generateSyntheticData());
  let url = '';
  const server: Server = createServer(
    createSandboxListener({
      router,
      repo,
      basePath,
      baseUrl: () => url,
      defaultCount: options.defaultCount ?? 20,
      maxCount: 1000,
      maxBodyBytes: 16 * 1024 * 1024,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${basePath}`;
  return {
    url,
    port,
    repo,
    router,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
