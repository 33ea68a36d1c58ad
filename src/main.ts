/**
 * Entry point. `local` (default): starts the FHIR sandbox and the local IdP on loopback, then the facade,
 * and prints the URLs and a ready-to-paste request. `azure`: the facade alone, configured from the environment.
 */
import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { createFhirBackend } from './backends/index.js';
import { ConfigError, loadConfig, type AppConfig } from './config/index.js';
import { configureHttpPool } from './http/http-pool.js';
import { startLocalStack, type LocalStack } from './sandbox/local-stack.js';
import { startAzureMonitor } from './telemetry/index.js';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  configureHttpPool();
  await startAzureMonitor(config);
  let stack: LocalStack | undefined;
  if (config.profile === 'local') {
    stack = await startLocalStack(config);
    config = stack.config;
  }
  const app = await createApp(config, createFhirBackend(config, config.fhirBaseUrl!));
  app.getHttpAdapter().getInstance().addHook('onClose', async () => stack?.close());
  await app.listen(config.port, config.host);
  if (stack) printLocalBanner(config, stack);
}

function printLocalBanner(config: AppConfig, stack: LocalStack): void {
  const lines = [
    '',
    'FHIR Facade (local profile) is up:',
    `  facade FHIR base     ${config.fhirBase}`,
    `  upstream FHIR        ${stack.upstreamBaseUrl}${stack.sandboxStarted ? '  (sandbox, synthetic data)' : ''}`,
    `  identity provider    ${stack.idpIssuer}`,
    ...(stack.emrSandboxes ? [`  EMR sandboxes        Epic-like ${stack.emrSandboxes.epic}, Cerner-like ${stack.emrSandboxes.cerner}`] : []),
    `  health               ${config.publicBaseUrl}/health/ready`,
    '',
    'Try it (in another terminal):',
    `  TOKEN=$(npm run --silent token -- --user Patient/pat-001 --scope "openid fhirUser launch/patient patient/*.rs"${tokenTarget(config, stack)})`,
    `  curl -s -H "Authorization: Bearer $TOKEN" ${config.fhirBase}/Patient/pat-001`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** `--idp`/`--aud` for the token command, when they differ from its defaults. */
function tokenTarget(config: AppConfig, stack: LocalStack): string {
  const idp = stack.idpIssuer === 'http://127.0.0.1:8082' ? '' : ` --idp ${stack.idpIssuer}`;
  const aud = config.fhirBase === 'http://127.0.0.1:8080/fhir' ? '' : ` --aud ${config.fhirBase}`;
  return idp + aud;
}

await main();
