/**
 * The azure profile's patient picker for a practitioner's standalone launch (issue 7). After the facade's own
 * sign-in (facade-sign-in.service.ts) a practitioner is shown the patients they may open
 * (`createPatientPicker`: the provider access policy); the choice is checked against that list again on the
 * server, then bound to the app's authorization exactly as an EHR launch binds its context
 * (`bindingKey(client_id, code_challenge)`), with the Entra `oid` of who chose (`pickedBy`): /auth/token
 * hands the context only to a token issued to that same account. A patient user needs no picker (their own
 * record is their context) and goes straight on. Either way the browser then continues to Entra's authorize
 * with the app's original request.
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-standalone-launch
 * @see https://learn.microsoft.com/azure/healthcare-apis/fhir/smart-on-fhir
 */
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { FHIR_BACKEND, type FhirBackend } from '../backends/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import type { AuthorizeRequest } from './authorize-request.js';
import { AuthorizeService, bindingKey } from './authorize.service.js';
import { FacadeSignInService } from './facade-sign-in.service.js';
import type { BoundContext } from './launch-context.js';
import { AUTHORIZATION_TTL_MS, LAUNCH_CONTEXT_STORE, storeKey, type LaunchContextStore } from './launch-context.store.js';
import { PICKER_FIELDS, PickerRefusal, renderPickerPage } from './picker-page.js';
import { createPatientPicker, type PatientChoice } from './patient-picker.js';

/** A picker page waiting for its form, under SHA-256 of its single-use CSRF value. */
interface PendingPick {
  readonly request: AuthorizeRequest;
  readonly objectId: string;
  readonly practitioner: string;
}

/** What the callback answers: the picker page, or (a patient user) straight on to the app's authorization. */
export type PickerStep = { readonly redirect: string } | { readonly page: string; readonly formTarget: string };

const CSRF = /^[A-Za-z0-9_-]{43}$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

@Injectable()
export class PatientPickerService {
  private readonly choicesOf: (practitioner: string) => Promise<PatientChoice[]>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LAUNCH_CONTEXT_STORE) private readonly store: LaunchContextStore,
    @Inject(FHIR_BACKEND) backend: FhirBackend,
    private readonly authorize: AuthorizeService,
    private readonly signIn: FacadeSignInService,
  ) {
    this.choicesOf = createPatientPicker(backend, config.authorization.providerAccess);
  }

  /** `GET /auth/picker/callback`: after the facade's own sign-in. */
  async callback(query: unknown): Promise<PickerStep> {
    const user = await this.signIn.finish(query);
    const [type] = user.fhirUser?.split('/') ?? [];
    if (type === 'Patient') return { redirect: await this.forward(user.request) };
    if (type !== 'Practitioner') throw new PickerRefusal('no-fhir-user');
    const practitioner = user.fhirUser!;
    const choices = await this.choices(practitioner);
    const csrf = randomBytes(32).toString('base64url');
    const pending: PendingPick = { request: user.request, objectId: user.objectId, practitioner };
    if (choices.length > 0) await this.put(storeKey('picker-form', csrf), pending);
    return { page: renderPickerPage(practitioner, choices, csrf), formTarget: new URL((await this.upstream()).authorizationEndpoint).origin };
  }

  /**
   * `POST /auth/picker`: the CSRF value is single use; the patient must be among the practitioner's choices,
   * asked again here (the form is never trusted). Binds the context for /auth/token and returns the app's
   * Entra authorize URL.
   */
  async choose(form: unknown): Promise<string> {
    const fields = (form ?? {}) as Record<string, unknown>;
    const csrf = fields[PICKER_FIELDS.csrf];
    const patient = fields[PICKER_FIELDS.patient];
    if (typeof csrf !== 'string' || !CSRF.test(csrf)) throw new PickerRefusal('form-unknown');
    const pending = await this.store.take<PendingPick>(storeKey('picker-form', csrf)).catch(() => {
      throw new PickerRefusal('unavailable');
    });
    if (!pending) throw new PickerRefusal('form-unknown');
    if (typeof patient !== 'string' || !FHIR_ID.test(patient)) throw new PickerRefusal('not-a-choice');
    const choices = await this.choices(pending.practitioner);
    if (!choices.some((c) => c.id === patient)) throw new PickerRefusal('not-a-choice');

    const { request } = pending;
    const bound: BoundContext = {
      patient,
      // Standalone launch: no EHR frame around the app, so it shows the banner itself.
      need_patient_banner: true,
      smart_style_url: `${this.config.publicBaseUrl}/auth/smart-style.json`,
      pickedBy: pending.objectId,
    };
    await this.put(bindingKey(request.clientId, request.codeChallenge), bound);
    return this.forward(request);
  }

  private async choices(practitioner: string): Promise<PatientChoice[]> {
    return this.choicesOf(practitioner).catch(() => {
      throw new PickerRefusal('unavailable');
    });
  }

  private async put(key: string, value: unknown): Promise<void> {
    await this.store.put(key, value, AUTHORIZATION_TTL_MS).catch(() => {
      throw new PickerRefusal('unavailable');
    });
  }

  private forward(request: AuthorizeRequest): Promise<string> {
    return this.authorize.forward(request).catch(() => {
      throw new PickerRefusal('unavailable');
    });
  }

  private upstream() {
    return this.authorize.upstream().catch(() => {
      throw new PickerRefusal('unavailable');
    });
  }
}
