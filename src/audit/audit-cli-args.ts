/** Argument parsing shared by the audit CLIs (`node:util` parseArgs; unknown options are errors). */
import { parseArgs } from 'node:util';
import { auditStorePath } from '../config/audit-store-path.js';

/** Where a command writes its lines (the console in the CLIs, an array in tests). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface AuditCliArgs {
  readonly store: string;
  readonly patient?: string;
  readonly since?: string;
  readonly json: boolean;
  readonly help: boolean;
}

export function parseAuditCliArgs(argv: readonly string[]): AuditCliArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      store: { type: 'string' },
      patient: { type: 'string' },
      since: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    store: values.store ?? auditStorePath(),
    ...(values.patient !== undefined ? { patient: values.patient } : {}),
    ...(values.since !== undefined ? { since: values.since } : {}),
    json: values.json ?? false,
    help: values.help ?? false,
  };
}
