/**
 * Root module: global wiring in one place (guard, filter, configuration, backend); the Fastify hooks are in app.factory.ts.
 */
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AuditModule } from './audit/index.js';
import { AuthModule } from './auth/index.js';
import { BffModule } from './bff/index.js';
import { FHIR_BACKEND, type FhirBackend } from './backends/index.js';
import { APP_CONFIG, type AppConfig } from './config/index.js';
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
        // No interceptors: FhirResults are written by a Fastify hook (src/fhir/fhir-result.writer.ts).
      ],
    };
  }
}
