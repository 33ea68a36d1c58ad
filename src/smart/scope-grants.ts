/**
 * Which of a principal's scopes grant a permission on a type, and the launch context they rely on.
 *
 * - `system/` scopes count only for backend services (`kind: 'system'`);
 * - for a patient user, `user/` scopes reach what the user may see, that is their own compartment,
 *   so they are treated as `patient/` scopes;
 * - the patient in context is the `patient` claim, else the patient user's own `fhirUser`.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#patient-specific-scopes
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#user-level-scopes
 */
import type { Principal } from '../auth/principal.js';
import { parseScopes, type ResourceScope, type ScopeContext, type SmartPermission } from './smart-scope.parser.js';

const cache = new WeakMap<Principal, readonly ResourceScope[]>();

/** The principal's resource scopes as they apply to it (see module notes); parsed once per principal. */
export function effectiveScopes(principal: Principal): readonly ResourceScope[] {
  let scopes = cache.get(principal);
  if (!scopes) {
    scopes = parseScopes(principal.scopes).resources.flatMap((s): ResourceScope[] => {
      if (s.context === 'system') return principal.kind === 'system' ? [s] : [];
      if (s.context === 'user' && principal.kind === 'patient') return [{ ...s, context: 'patient' }];
      return [s];
    });
    cache.set(principal, scopes);
  }
  return scopes;
}

/** Scopes of this context that grant `permission` on `resourceType` (a wildcard type grants every type). */
export function grantsFor(
  principal: Principal,
  context: ScopeContext,
  resourceType: string,
  permission: SmartPermission,
): ResourceScope[] {
  return effectiveScopes(principal).filter(
    (s) => s.context === context && (s.resourceType === '*' || s.resourceType === resourceType) && s.permissions.includes(permission),
  );
}

/** True when some scope of the given contexts lets the principal see resources of this type (`r` or `s`). */
export function visibleScopesFor(principal: Principal, contexts: readonly ScopeContext[], resourceType: string): ResourceScope[] {
  return effectiveScopes(principal).filter(
    (s) =>
      contexts.includes(s.context) &&
      (s.resourceType === '*' || s.resourceType === resourceType) &&
      (s.permissions.includes('r') || s.permissions.includes('s')),
  );
}

/** The patient in launch context, else the patient user's own id (`fhirUser` = `Patient/x`). */
export function patientInContext(principal: Principal): string | undefined {
  if (principal.patient) return principal.patient;
  if (principal.kind === 'patient' && principal.fhirUser?.startsWith('Patient/')) {
    return principal.fhirUser.slice('Patient/'.length) || undefined;
  }
  return undefined;
}

/** `Practitioner/x` of a practitioner user, if the token names one. */
export function practitionerReference(principal: Principal): string | undefined {
  return principal.kind === 'practitioner' && principal.fhirUser?.startsWith('Practitioner/') ? principal.fhirUser : undefined;
}
