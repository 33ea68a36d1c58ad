/**
 * `npm run audit -- --patient <id> [--since <ISO time>] [--store <path>] [--json]`: who accessed a patient's
 * data, when, how and with what outcome (the basis of a HIPAA accounting of disclosures).
 * Exit code 0 on success, 2 on bad arguments or an unreadable store.
 */
import { runAuditTrail } from './audit-trail.command.js';

process.exitCode = runAuditTrail(process.argv.slice(2), { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) });
