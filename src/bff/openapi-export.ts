/**
 * Builds the OpenAPI document from the application itself, without listening: the same controllers and
 * DTOs as a running facade. Fixed, machine-independent settings so the output is byte-for-byte stable.
 * Used by `npm run openapi` (writes apim/openapi.json) and by the drift test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app.factory.js';
import { createFhirBackend } from '../backends/index.js';
import { loadConfig } from '../config/index.js';
import { buildOpenApiDocument } from './api-docs.js';

/** The document as committed: 2-space JSON with a trailing newline. */
export async function exportOpenApiJson(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'facade-openapi-'));
  const config = loadConfig({
    APP_PROFILE: 'local',
    PORT: '8080',
    PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
    FHIR_BASE_URL: 'http://127.0.0.1:9/fhir', // never contacted
    AUDIT_STORE_PATH: join(dir, 'audit.sqlite'),
    LOG_LEVEL: 'silent',
  });
  const app = await createApp(config, createFhirBackend(config, config.fhirBaseUrl!));
  try {
    await app.init();
    return `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
