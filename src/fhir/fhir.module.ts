import { Module } from '@nestjs/common';
import { APP_CONFIG, secretNames, type AppConfig } from '../config/index.js';
import { loadMaskingPolicy } from '../masking/index.js';
import { MASKING, PolicyResponseMasker } from '../masking/response-masker.js';
import { secretsProviderFor } from '../secrets/index.js';
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
      // A policy that does not compile stops the start with a clear message. The hash key comes from the
      // secrets provider (Key Vault in azure), refreshed in the background: a rotated key needs no restart.
      useFactory: async (config: AppConfig) => {
        const hashKey = await secretsProviderFor(config).watch(secretNames.maskingHashKey);
        return new PolicyResponseMasker(loadMaskingPolicy(config.maskingPolicyPath ? { path: config.maskingPolicyPath } : {}), () =>
          Buffer.from(hashKey.current()),
        );
      },
    },
  ],
  exports: [FhirService, FhirAccessService, AuthorizationServerDiscovery, MASKING],
})
export class FhirModule {}
