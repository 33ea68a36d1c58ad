/**
 * The OpenAPI document of the facade's HTTP API (`@nestjs/swagger`), built from the controllers and DTOs.
 * `npm run openapi` writes it to `apim/openapi.json` (imported by API Management); the local profile also
 * serves it at `/docs` (Swagger UI) and `/docs/openapi.json`. Never served in the azure profile.
 *
 * @see https://spec.openapis.org/oas/v3.0.3
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('FHIR Facade')
    .setDescription(
      'Backend-for-frontend FHIR R4 facade: FHIR REST under /fhir (SMART scopes, patient compartment, PHI masking, audit), ' +
        'patient portal endpoints under /bff/portal, provider dashboard endpoints under /bff/provider. ' +
        'Errors are FHIR OperationOutcomes. SMART discovery: /fhir/.well-known/smart-configuration.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'SMART on FHIR access token' })
    .build();
  const doc = SwaggerModule.createDocument(app, config, { deepScanRoutes: true });
  return sortKeys(doc) as OpenAPIObject;
}

/** Serves the document and Swagger UI at /docs (local profile only; the caller decides). */
export function serveApiDocs(app: NestFastifyApplication): void {
  const document = buildOpenApiDocument(app);
  const json = JSON.stringify(document);
  const fastify = app.getHttpAdapter().getInstance();
  const uiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const asset = (name: string, type: string) => {
    let body: Buffer | undefined;
    fastify.get(`/docs/${name}`, async (_req, reply) => {
      body ??= readFileSync(join(uiDir, name));
      return reply.type(type).send(body);
    });
  };
  asset('swagger-ui.css', 'text/css');
  asset('swagger-ui-bundle.js', 'application/javascript');
  fastify.get('/docs/openapi.json', async (_req, reply) => reply.type('application/json').send(json));
  fastify.get('/docs', async (_req, reply) =>
    reply.type('text/html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>FHIR Facade API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#ui' });</script></body></html>`),
  );
}

/** Stable key order, so the committed document only changes when the API does. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
