import { Global, Module } from '@nestjs/common';
import { AuditService } from '../audit/index.js';
import { FacadeMetrics } from './facade-metrics.js';

@Global()
@Module({
  providers: [{ provide: FacadeMetrics, inject: [AuditService], useFactory: (audit: AuditService) => new FacadeMetrics(audit.outbox) }],
  exports: [FacadeMetrics],
})
export class TelemetryModule {}
