/**
 * `npm run audit -- --patient <id> [--since <ISO time>] [--store <path>] [--json]`: who accessed a patient's
 * data, when, how and with what outcome (the basis of a HIPAA accounting of disclosures).
 * Exit code 0 on success, 2 on bad arguments or an unreadable store.
 */
import { existsSync } from 'node:fs';
import { parseAuditCliArgs, type CliIo } from './audit-cli-args.js';
import { accessLogForPatient, type AccessLogEntry } from './audit-trail.js';

const OUTCOME: Record<string, string> = { '0': 'success', '4': 'refused', '8': 'failed', '12': 'unavailable' };

function line(e: AccessLogEntry): string {
  const what = e.resource ?? e.resourceType ?? '-';
  const flags = [e.breakGlass ? `BREAK-GLASS${e.breakGlassReason ? ` (${e.breakGlassReason})` : ''}` : '', e.fullSsnDisclosed ? 'FULL-SSN' : '']
    .filter(Boolean)
    .join(' ');
  return [
    e.recorded,
    e.who,
    e.clientId ? `via ${e.clientId}` : 'via -',
    `${e.interaction} ${what}`,
    `${OUTCOME[e.outcome] ?? e.outcome}${e.statusCode !== undefined ? ` (${e.statusCode})` : ''}`,
    flags,
  ]
    .filter(Boolean)
    .join('  ');
}

/** Runs the command; returns the exit code. Output goes through `io` (the CLI passes the console). */
export function runAuditTrail(argv: readonly string[], io: CliIo): number {
  let args;
  try {
    args = parseAuditCliArgs(argv);
  } catch (err) {
    io.err(`audit: ${(err as Error).message}`);
    return 2;
  }
  if (args.help || !args.patient) {
    (args.help ? io.out : io.err)('usage: npm run audit -- --patient <id> [--since <ISO time>] [--store <path>] [--json]');
    return args.help ? 0 : 2;
  }
  if (!existsSync(args.store)) {
    io.err(`audit: no audit store at ${args.store}`);
    return 2;
  }
  let entries: AccessLogEntry[];
  try {
    entries = accessLogForPatient(args.store, args.patient, args.since);
  } catch (err) {
    io.err(`audit: ${(err as Error).message}`);
    return 2;
  }
  if (args.json) {
    io.out(JSON.stringify(entries, null, 2));
    return 0;
  }
  io.out(`Accesses to Patient/${args.patient}${args.since ? ` since ${args.since}` : ''}: ${entries.length}`);
  for (const e of entries) io.out(line(e));
  return 0;
}
