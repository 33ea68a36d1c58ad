/**
 * Writes the trimmed R4 StructureDefinitions cache (fhir-definitions.ts) so that the first start does not
 * parse the full 35 MB definitions. Run by `npm run build` and by the Dockerfile; idempotent.
 * Its status line goes to stderr: scripts that build first (`npm run --silent token`, `audit`, `openapi`) print
 * their own output on stdout, and `TOKEN=$(npm run --silent token ...)` must capture the token alone.
 */
import { STRUCTURE_DEFINITION_FILES, trimmedDefinitions } from './fhir-definitions.js';

for (const file of STRUCTURE_DEFINITION_FILES) trimmedDefinitions(file);
process.stderr.write('FHIR R4 StructureDefinitions cache ready\n');
