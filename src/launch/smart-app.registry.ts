/**
 * SMART apps registered for EHR launch (`SMART_APPS`; the local profile adds the demo app) and the
 * launch URL the EHR opens: `<launchUrl>?iss=<FHIR base>&launch=<opaque value>`.
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-ehr-launch
 */
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type SmartAppConfig } from '../config/index.js';

@Injectable()
export class SmartAppRegistry {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  find(clientId: string): SmartAppConfig | undefined {
    return this.config.smartApps.find((a) => a.clientId === clientId);
  }

  list(): readonly SmartAppConfig[] {
    return this.config.smartApps;
  }

  launchUrl(app: SmartAppConfig, launch: string): string {
    const url = new URL(app.launchUrl);
    url.searchParams.set('iss', this.config.fhirBase);
    url.searchParams.set('launch', launch);
    return url.href;
  }
}
