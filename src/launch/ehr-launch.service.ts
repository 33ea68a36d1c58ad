/**
 * EHR launch from the provider dashboard: checks that the practitioner may open the patient (and that
 * the encounter is the patient's), through the one FHIR access path (SMART scopes, provider access
 * policy, break-glass, audit), then issues an opaque, single-use, short-lived `launch` value bound to
 * the app and the context.
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-ehr-launch
 */
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Encounter, Resource } from '@medplum/fhirtypes';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { FhirAccessService, type AccessContext } from '../fhir/fhir-access.service.js';
import { interaction } from '../fhir/fhir-request.parser.js';
import { badRequest, forbidden } from '../fhir/outcomes.js';
import { compartmentPatientIds } from '../smart/index.js';
import type { LaunchContext } from './launch-context.js';
import { LAUNCH_CONTEXT_STORE, storeKey, type LaunchContextStore } from './launch-context.store.js';
import { SmartAppRegistry } from './smart-app.registry.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const REFERENCE = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})$/;
const MAX_CONTEXT = 10;

export interface EhrLaunchRequest {
  readonly clientId: string;
  readonly patient: string;
  readonly encounter?: string;
  /** Other resources in context (`DiagnosticReport/x`), relative references, not Patient. */
  readonly fhirContext?: readonly string[];
  /** False when the dashboard frames the app under its own patient banner. Default true. */
  readonly needPatientBanner?: boolean;
}

export interface EhrLaunch {
  readonly launchUrl: string;
  readonly launch: string;
  readonly expiresIn: number;
}

@Injectable()
export class EhrLaunchService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LAUNCH_CONTEXT_STORE) private readonly store: LaunchContextStore,
    private readonly apps: SmartAppRegistry,
    private readonly access: FhirAccessService,
  ) {}

  async launch(req: EhrLaunchRequest, ctx: AccessContext): Promise<EhrLaunch> {
    const { principal } = ctx;
    if (principal.kind !== 'practitioner' || !principal.fhirUser) throw forbidden('bff-provider-practitioner-only');
    const app = this.apps.find(req.clientId);
    if (!app) throw badRequest('Unknown SMART app', ['clientId']);
    if (!ID.test(req.patient)) throw badRequest('patient must be a FHIR id', ['patient']);
    if (req.encounter !== undefined && !ID.test(req.encounter)) throw badRequest('encounter must be a FHIR id', ['encounter']);

    // Reads through the access path: 403 unless the provider access policy (or break-glass) lets them open it.
    await this.access.handle(interaction('read', { resourceType: 'Patient', id: req.patient }), ctx);
    if (req.encounter !== undefined) {
      const enc = (await this.access.handle(interaction('read', { resourceType: 'Encounter', id: req.encounter }), ctx)).body as Encounter;
      if (enc?.subject?.reference?.replace(/^.*\/(?=Patient\/)/, '') !== `Patient/${req.patient}`) {
        throw badRequest("encounter is not this patient's", ['encounter']);
      }
    }

    const fhirContext = await this.checkFhirContext(req, ctx);

    const launch = randomBytes(32).toString('base64url');
    const context: LaunchContext = {
      clientId: app.clientId,
      launchedBy: principal.fhirUser,
      patient: req.patient,
      ...(req.encounter ? { encounter: req.encounter } : {}),
      ...(fhirContext.length ? { fhirContext: fhirContext.map((reference) => ({ reference })) } : {}),
      needPatientBanner: req.needPatientBanner ?? true,
      smartStyleUrl: `${this.config.publicBaseUrl}/auth/smart-style.json`,
    };
    await this.store.put(storeKey('launch', launch), context, this.config.launchTtlSeconds * 1000);
    return { launchUrl: this.apps.launchUrl(app, launch), launch, expiresIn: this.config.launchTtlSeconds };
  }

  /** Each fhirContext resource is read through the access path and must be in this patient's compartment. */
  private async checkFhirContext(req: EhrLaunchRequest, ctx: AccessContext): Promise<string[]> {
    const refs = req.fhirContext ?? [];
    if (refs.length > MAX_CONTEXT) throw badRequest('fhirContext has too many references', ['fhirContext']);
    for (const ref of refs) {
      const m = REFERENCE.exec(ref);
      if (!m || m[1] === 'Patient') throw badRequest('fhirContext takes relative references to resources other than Patient', ['fhirContext']);
      const body = (await this.access.handle(interaction('read', { resourceType: m[1]!, id: m[2]! }), ctx)).body as Resource;
      const owners = compartmentPatientIds(body);
      if (owners.length > 0 && !owners.includes(req.patient)) throw badRequest("fhirContext names another patient's resource", ['fhirContext']);
    }
    return [...refs];
  }
}
