/**
 * The context an EHR launch hands to a SMART app, kept server-side behind an opaque `launch` value.
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-ehr-launch
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#launch-context-arrives-with-your-access_token
 */
export interface FhirContextItem {
  readonly reference: string;
  readonly role?: string;
}

export interface LaunchContext {
  /** The app (OAuth client id) the launch was made for: another client cannot redeem it. */
  readonly clientId: string;
  /** Who launched: `Practitioner/prac-01`. */
  readonly launchedBy: string;
  /** Patient id in context. */
  readonly patient: string;
  /** Encounter id in context, when the launch named one. */
  readonly encounter?: string;
  readonly fhirContext?: readonly FhirContextItem[];
  readonly needPatientBanner?: boolean;
  readonly smartStyleUrl?: string;
}

/** Token-response fields a launch adds (SMART App Launch 2.2 §"Launch context"). */
export interface TokenContext {
  patient?: string;
  encounter?: string;
  fhirContext?: readonly FhirContextItem[];
  need_patient_banner?: boolean;
  smart_style_url?: string;
}

/**
 * What /authorize binds to an authorization (`bindingKey`): the token-response context, and, when a practitioner
 * chose the patient on the facade's picker (azure profile), the Entra object id (`oid`) of who chose: only a
 * token issued to that same account may take the context.
 */
export interface BoundContext extends TokenContext {
  pickedBy?: string;
}

/**
 * What is kept for an issued access token that cannot carry its launch context (an Entra ID token), under
 * SHA-256 of the token, for as long as the token is accepted.
 */
export interface KeptTokenContext {
  readonly patient: string;
  readonly encounter?: string;
  readonly fhirContext?: readonly FhirContextItem[];
}

/** What is kept for the refresh token issued with it: the same context, and the client it was issued to. */
export interface KeptRefreshContext {
  readonly clientId: string;
  readonly context: KeptTokenContext;
}

/** Token-response fields for a launch context. */
export function tokenContextOf(ctx: Omit<LaunchContext, 'clientId' | 'launchedBy'>): TokenContext {
  return {
    patient: ctx.patient,
    ...(ctx.encounter ? { encounter: ctx.encounter } : {}),
    ...(ctx.fhirContext?.length ? { fhirContext: ctx.fhirContext } : {}),
    ...(ctx.needPatientBanner !== undefined ? { need_patient_banner: ctx.needPatientBanner } : {}),
    ...(ctx.smartStyleUrl ? { smart_style_url: ctx.smartStyleUrl } : {}),
  };
}
