/**
 * `npm run audit:verify [-- --store <path>]`: checks the audit store's hash chain.
 * Exit code 0 intact, 1 tampered, 2 the store could not be read or bad arguments.
 */
import { runAuditVerify } from './audit-verify.command.js';

process.exitCode = runAuditVerify(process.argv.slice(2), { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) });
