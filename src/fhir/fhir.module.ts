import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { loadMaskingPolicy } from '../masking/index.js';
import { MASKING, PolicyResponseMasker } from '../masking/response-masker.js';
import { AuthorizationServerDiscovery } from './authorization-server.discovery.js';
import { FhirAccessService } from './fhir-access.service.js';
import { FhirController } from './fhir.controller.js';
import { FhirService } from './fhir.service.js';
import { SmartConfigurationController } from './smart-configuration.controller.js';

@Module({
  controllers: [SmartConfigurationController, FhirController],
  providers: [
    FhirService,
    FhirAccessService,
    AuthorizationServerDiscovery,
    {
      provide: MASKING,
      inject: [APP_CONFIG],
      // A policy that does not compile stops the start with a clear message.
      useFactory: (config: AppConfig) =>
        new PolicyResponseMasker(loadMaskingPolicy(config.maskingPolicyPath ? { path: config.maskingPolicyPath } : {}), () =>
          Buffer.from(config.maskingHashKey),
        ),
    },
  ],
  exports: [FhirService, FhirAccessService, AuthorizationServerDiscovery, MASKING],
})
export class FhirModule {}
