/**
 * `npm run token -- --user <fhirUser> --scope "<scopes>" [--patient <id>] [--client <id>] [--idp <url>] [--aud <url>]`
 *
 * Prints an access token (only the token, on stdout) obtained through a real authorization-code + PKCE S256
 * flow against the running local IdP (default http://127.0.0.1:8082). Local sandbox tooling only.
 */
import { runTokenCommand } from './token.command.js';

process.exitCode = await runTokenCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
