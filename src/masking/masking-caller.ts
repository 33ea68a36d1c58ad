/**
 * Who a masking rule sees: the principal's kind, plus `third-party` for any client outside the policy's
 * first-party list, its roles and its client id.
 *
 * @see https://build.fhir.org/ig/HL7/smart-app-launch/app-launch.html
 */
import type { Principal } from '../auth/principal.js';
import type { AppliesTo, CallerKind, CompiledMaskingPolicy } from './masking-policy.types.js';

export interface MaskingCaller {
  readonly kinds: ReadonlySet<CallerKind>;
  readonly roles: ReadonlySet<string>;
  readonly clientId: string;
}

/** Builds the caller view of a principal under a policy. */
export function maskingCallerOf(principal: Principal, policy: CompiledMaskingPolicy): MaskingCaller {
  const kinds = new Set<CallerKind>([principal.kind]);
  if (!policy.firstPartyClients.has(principal.clientId)) kinds.add('third-party');
  return { kinds, roles: new Set(principal.roles), clientId: principal.clientId };
}

/** Every field given must match (AND); within a field, any listed value matches (OR). */
export function appliesToCaller(target: AppliesTo | undefined, caller: MaskingCaller): boolean {
  if (!target) return true;
  if (target.kinds && !target.kinds.some((kind) => caller.kinds.has(kind))) return false;
  if (target.roles && !target.roles.some((role) => caller.roles.has(role))) return false;
  if (target.clients && !target.clients.includes(caller.clientId)) return false;
  return true;
}
