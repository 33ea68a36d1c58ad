/**
 * Root module: global wiring in one place (guard, filter, interceptors, configuration, backend).
 */
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AuditModule } from './audit/index.js';
import { AuthModule } from './auth/index.js';
import { BffModule } from './bff/index.js';
import { FHIR_BACKEND, type FhirBackend } from './backends/index.js';
import { APP_CONFIG, type AppConfig } from './config/index.js';
import { FhirResponseInterceptor } from './fhir/fhir-response.interceptor.js';
import { FhirModule } from './fhir/fhir.module.js';
import { OperationOutcomeFilter } from './fhir/operation-outcome.filter.js';
import { HealthController } from './health/health.controller.js';
import { LaunchModule } from './launch/index.js';
import { pinoOptions } from './logging/pino-options.js';
import { DemoAppModule } from './sandbox/demo-app.controller.js';
import { TelemetryModule } from './telemetry/index.js';

export interface AppOptions {
  /** Where JSON logs go (stdout by default); tests pass a stream to assert that no PHI is logged. */
  readonly logDestination?: DestinationStream;
}

@Global()
@Module({})
class CoreModule {
  static forRoot(config: AppConfig, backend: FhirBackend): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: FHIR_BACKEND, useValue: backend },
      ],
      exports: [APP_CONFIG, FHIR_BACKEND],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, backend: FhirBackend, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, backend),
        LoggerModule.forRoot(pinoOptions(config, options.logDestination)),
        AuditModule,
        TelemetryModule,
        AuthModule,
        FhirModule,
        LaunchModule,
        BffModule,
        // The demo SMART app: local profile only.
        ...(config.profile === 'local' ? [DemoAppModule] : []),
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_FILTER, useClass: OperationOutcomeFilter },
        // First registered = outermost: it writes the FhirResult after every inner interceptor has run.
        { provide: APP_INTERCEPTOR, useClass: FhirResponseInterceptor },
      ],
    };
  }
}
