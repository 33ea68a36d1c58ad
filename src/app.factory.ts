/**
 * Builds the Nest application on Fastify with the facade's transport settings. Used by main.ts,
 * the e2e tests and the benchmarks alike, so they all run the same pipeline.
 */
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import { serveApiDocs } from './bff/api-docs.js';
import { AuditService, registerAuditHook } from './audit/index.js';
import { FacadeMetrics } from './telemetry/index.js';
import type { FhirBackend } from './backends/index.js';
import type { AppConfig } from './config/index.js';
import { genReqId, registerHooks } from './http/fastify-hooks.js';
import { registerFhirResultWriter } from './fhir/fhir-result.writer.js';

export async function createApp(config: AppConfig, backend: FhirBackend, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId,
    trustProxy: config.profile === 'azure',
    routerOptions: { maxParamLength: 128 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, backend, options), adapter, {
    bufferLogs: true,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(FacadeMetrics);
  registerHooks(fastify, config, logger, metrics);
  registerFhirResultWriter(fastify);
  registerAuditHook(fastify, app.get(AuditService), {
    auditUnavailable(reason) {
      metrics.auditUnavailable(reason);
      logger.error({ msg: 'audit trail unavailable', reason, failMode: config.audit.failMode });
    },
  });
  // OpenAPI document and Swagger UI at /docs: local profile only (APIM serves the exported one in Azure).
  if (config.profile === 'local') serveApiDocs(app);
  app.enableShutdownHooks();
  return app;
}
