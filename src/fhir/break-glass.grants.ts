/**
 * Break-glass (HIPAA §164.312(a)(2)(ii), emergency access): a practitioner with the break-glass role who
 * states a reason may open a patient outside their care relationships. The grant lasts a configured time,
 * so follow-up requests for that patient need not repeat the header; every request under it is flagged
 * for the audit with purpose of use BTG and the stated reason.
 */
export class BreakGlassGrants {
  private readonly grants = new Map<string, { reason: string; expires: number }>();

  constructor(private readonly durationMs: number) {}

  grant(principalKey: string, patientId: string, reason: string): void {
    this.sweep();
    this.grants.set(`${principalKey}|${patientId}`, { reason, expires: Date.now() + this.durationMs });
  }

  /** The reason of an active grant covering every one of these patients, else undefined. */
  activeReason(principalKey: string, patientIds: readonly string[]): string | undefined {
    if (patientIds.length === 0) return undefined;
    let reason: string | undefined;
    for (const id of patientIds) {
      const g = this.grants.get(`${principalKey}|${id}`);
      if (!g || g.expires <= Date.now()) return undefined;
      reason = g.reason;
    }
    return reason;
  }

  private sweep(): void {
    if (this.grants.size < 10_000) return;
    const now = Date.now();
    for (const [k, g] of this.grants) if (g.expires <= now) this.grants.delete(k);
  }
}
