import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AuthModule } from '../auth/index.js';
import { FhirModule } from '../fhir/fhir.module.js';
import { AuthController } from './auth.controller.js';
import { AuthorizeService } from './authorize.service.js';
import { EhrLaunchService } from './ehr-launch.service.js';
import { IntrospectionService } from './introspection.service.js';
import { LAUNCH_CONTEXT_STORE, type LaunchContextStore } from './launch-context.store.js';
import { launchContextStoreProvider } from './launch-store.provider.js';
import { SmartAppRegistry } from './smart-app.registry.js';
import { TokenService } from './token.service.js';

/** SMART App Launch through the facade: authorization facade, launch contexts, EHR launch. */
@Module({
  imports: [AuthModule, FhirModule],
  controllers: [AuthController],
  providers: [launchContextStoreProvider, AuthorizeService, TokenService, IntrospectionService, SmartAppRegistry, EhrLaunchService],
  exports: [EhrLaunchService, SmartAppRegistry],
})
export class LaunchModule implements OnApplicationShutdown {
  constructor(@Inject(LAUNCH_CONTEXT_STORE) private readonly store: LaunchContextStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
