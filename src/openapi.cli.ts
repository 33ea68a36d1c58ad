/**
 * `npm run openapi`: writes the facade's OpenAPI document to apim/openapi.json (imported by API Management).
 * Builds the app without listening; needs no network. A test fails when the committed file drifts.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exportOpenApiJson } from './bff/openapi-export.js';

// dist/src/openapi.cli.js -> <repo>/apim/openapi.json
const target = fileURLToPath(new URL('../../apim/openapi.json', import.meta.url));
writeFileSync(target, await exportOpenApiJson());
process.stdout.write(`wrote ${target}\n`);
