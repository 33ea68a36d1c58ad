/**
 * Where the audit outbox lives. The CLIs (`npm run audit`, `npm run audit:verify`) call this when `--store` is
 * not given; the application reads the same variable through the config module.
 */
export const DEFAULT_AUDIT_STORE_PATH = '.data/audit.sqlite';

/** `AUDIT_STORE_PATH`, else `.data/audit.sqlite` (relative to the working directory). */
export function auditStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const value = env['AUDIT_STORE_PATH']?.trim();
  return value ? value : DEFAULT_AUDIT_STORE_PATH;
}
