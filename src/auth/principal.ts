/**
 * Who is calling, with which scopes and context: built once per request from a verified access token.
 * Everything after authentication (authorization, masking, audit) reads this and nothing else of the token.
 *
 * @see https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html
 */
export type PrincipalKind = 'patient' | 'practitioner' | 'system';

export interface Principal {
  /** `iss` of the verified token. */
  readonly issuer: string;
  /** `sub` of the verified token. */
  readonly subject: string;
  /** `client_id`, else `azp`, else `appid`. */
  readonly clientId: string;
  /** patient: fhirUser is a Patient; practitioner: fhirUser is a Practitioner (or a user token); system: backend service. */
  readonly kind: PrincipalKind;
  /** e.g. `Patient/pat-001` or `Practitioner/prac-01`, relative. */
  readonly fhirUser?: string;
  /** Patient id in launch context (`patient` claim), else the patient user's own id. */
  readonly patient?: string;
  /** Encounter id in launch context (`encounter` claim). */
  readonly encounter?: string;
  /** SMART scopes, normalised to SMART form (`patient/Observation.rs`), one string each. */
  readonly scopes: readonly string[];
  /** Application roles (`roles` claim), e.g. `break-glass`, `ssn-read`. */
  readonly roles: readonly string[];
  /** Entra object id and tenant id, when present. */
  readonly objectId?: string;
  readonly tenantId?: string;
  /** `jti` (or `uti`) of the token, for audit correlation. */
  readonly tokenId?: string;
  /** `exp` in seconds since the epoch. */
  readonly expiresAt: number;
}
