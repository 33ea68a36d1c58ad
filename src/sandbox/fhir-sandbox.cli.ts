/**
 * Starts the FHIR sandbox alone, for manual use:
 *
 *   npm run build && node dist/src/sandbox/fhir-sandbox.cli.js [--port 8081] [--host 127.0.0.1]
 *
 * Prints the FHIR base URL and a few example requests; Ctrl-C stops it.
 */
import { parseArgs } from 'node:util';
import { startFhirSandbox } from './fhir-sandbox.server.js';
import { describeSandbox } from './synthetic-data.generator.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8081' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

const port = Number.parseInt(values.port, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid --port: ${values.port}`);
  process.exit(2);
}

const sandbox = await startFhirSandbox({ port, host: values.host });
const summary = describeSandbox();
console.log(`FHIR sandbox (R4, synthetic data, seed ${summary.seed}) listening at ${sandbox.url}`);
console.log(`  ${summary.patients.length} patients (${summary.patients[0]!.id} … ${summary.patients.at(-1)!.id}), practitioners ${summary.practitioners.map((p) => p.id).join(', ')}`);
console.log(`  curl ${sandbox.url}/metadata`);
console.log(`  curl ${sandbox.url}/Patient/${summary.patients[0]!.id}`);
console.log(`  curl '${sandbox.url}/Observation?subject=Patient/${summary.patients[0]!.id}&category=laboratory&_include=Observation:subject'`);

const stop = () => {
  void sandbox.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
