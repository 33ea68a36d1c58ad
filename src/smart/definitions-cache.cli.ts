/**
 * Writes the trimmed R4 StructureDefinitions cache (fhir-definitions.ts) so that the first start does not
 * parse the full 35 MB definitions. Run by `npm run build` and by the Dockerfile; idempotent.
 */
import { STRUCTURE_DEFINITION_FILES, trimmedDefinitions } from './fhir-definitions.js';

for (const file of STRUCTURE_DEFINITION_FILES) trimmedDefinitions(file);
process.stdout.write('FHIR R4 StructureDefinitions cache ready\n');
