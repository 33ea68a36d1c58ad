import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/index.js';
import { FhirModule } from '../fhir/fhir.module.js';
import { AuthController } from './auth.controller.js';
import { AuthorizeService } from './authorize.service.js';
import { EhrLaunchService } from './ehr-launch.service.js';
import { FacadeSignInService } from './facade-sign-in.service.js';
import { IntrospectionService } from './introspection.service.js';
import { LaunchStoreModule } from './launch-store.module.js';
import { PatientPickerService } from './patient-picker.service.js';
import { PickerController } from './picker.controller.js';
import { SmartAppRegistry } from './smart-app.registry.js';
import { TokenContextBinder } from './token-context.binder.js';
import { TokenService } from './token.service.js';

/** SMART App Launch through the facade: authorization facade, launch contexts, EHR launch. */
@Module({
  imports: [AuthModule, FhirModule, LaunchStoreModule],
  controllers: [AuthController, PickerController],
  providers: [AuthorizeService, FacadeSignInService, PatientPickerService, TokenService, TokenContextBinder, IntrospectionService, SmartAppRegistry, EhrLaunchService],
  exports: [EhrLaunchService, SmartAppRegistry],
})
export class LaunchModule {}
