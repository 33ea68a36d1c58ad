/**
 * Builds the Principal from verified claims. Works for the local IdP, SMART authorization servers,
 * Entra ID (`scp`, `roles`, `oid`, `tid`, `azp`/`appid`) and Entra External ID.
 *
 * @see https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html
 * @see https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
 */
import type { JWTPayload } from 'jose';
import { normalizeScope } from '../smart/index.js';
import type { Principal, PrincipalKind } from './principal.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function principalFromClaims(claims: JWTPayload): Principal | undefined {
  const str = (name: string): string | undefined => {
    const v = claims[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const subject = str('sub');
  const clientId = str('client_id') ?? str('azp') ?? str('appid');
  if (!subject || !clientId || typeof claims.exp !== 'number' || typeof claims.iss !== 'string') return undefined;

  const fhirUser = relativeReference(str('fhirUser'));
  const rawScopes = `${str('scope') ?? ''} ${str('scp') ?? ''}`.split(/\s+/).filter(Boolean);
  const scopes = [...new Set(rawScopes.map((s) => normalizeScope(s)).filter((s): s is string => s !== undefined))];
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];

  const userType = fhirUser?.split('/')[0];
  let kind: PrincipalKind;
  if (userType === 'Patient') kind = 'patient';
  else if (userType === 'Practitioner' || userType === 'PractitionerRole') kind = 'practitioner';
  else if (fhirUser) return undefined; // RelatedPerson and others: not supported yet, deny
  else if (str('idtyp') === 'app' || subject === clientId || scopes.every((s) => !s.startsWith('user/') && !s.startsWith('patient/'))) kind = 'system';
  else kind = 'practitioner';

  const launchPatient = str('patient');
  if (launchPatient !== undefined && !ID.test(launchPatient)) return undefined;
  const ownPatient = kind === 'patient' ? fhirUser?.split('/')[1] : undefined;
  // A patient user can only ever be in their own context.
  if (kind === 'patient' && launchPatient !== undefined && launchPatient !== ownPatient) return undefined;
  const encounter = str('encounter');

  return {
    issuer: claims.iss,
    subject,
    clientId,
    kind,
    fhirUser,
    patient: launchPatient ?? ownPatient,
    encounter: encounter && ID.test(encounter) ? encounter : undefined,
    scopes,
    roles,
    objectId: str('oid'),
    tenantId: str('tid'),
    tokenId: str('jti') ?? str('uti'),
    expiresAt: claims.exp,
  };
}

/** `https://x/fhir/Patient/1` or `Patient/1` -> `Patient/1`; anything else -> undefined. */
export function relativeReference(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(value);
  return match ? `${match[1]}/${match[2]}` : undefined;
}
