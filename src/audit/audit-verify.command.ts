/**
 * `npm run audit:verify [-- --store <path>]`: checks the audit store's hash chain.
 * Exit code 0 intact, 1 tampered, 2 the store could not be read or bad arguments.
 */
import { existsSync } from 'node:fs';
import { parseAuditCliArgs, type CliIo } from './audit-cli-args.js';
import { verifyAuditStore } from './audit-verify.js';

/** Runs the command; returns the exit code. Output goes through `io` (the CLI passes the console). */
export function runAuditVerify(argv: readonly string[], io: CliIo): number {
  let args;
  try {
    args = parseAuditCliArgs(argv);
  } catch (err) {
    io.err(`audit:verify: ${(err as Error).message}`);
    return 2;
  }
  if (args.help) {
    io.out('usage: npm run audit:verify -- [--store <path>] [--json]');
    return 0;
  }
  if (!existsSync(args.store)) {
    io.err(`audit:verify: no audit store at ${args.store}`);
    return 2;
  }
  let result;
  try {
    result = verifyAuditStore(args.store);
  } catch (err) {
    io.err(`audit:verify: cannot read ${args.store}: ${(err as Error).message}`);
    return 2;
  }
  if (args.json) io.out(JSON.stringify(result));
  else if (result.status === 'intact') io.out(`intact: ${result.count} events (${args.store}, head ${result.headHash.slice(0, 16)}…)`);
  else io.out(`TAMPERED (${result.kind}) at seq ${result.seq}${result.eventId ? ` event ${result.eventId}` : ''}: ${result.detail}; ${result.verified} events verified before it`);
  return result.status === 'intact' ? 0 : 1;
}
