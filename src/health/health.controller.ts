/**
 * Liveness (the process answers) and readiness (the upstream answers and every trusted issuer's keys are loaded).
 * Public, and they carry no PHI.
 */
import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public, TrustedIssuerRegistry } from '../auth/index.js';
import { AuditService } from '../audit/index.js';
import { FHIR_BACKEND, type FhirBackend } from '../backends/index.js';
import { FacadeMetrics } from '../telemetry/index.js';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(FHIR_BACKEND) private readonly backend: FhirBackend,
    private readonly issuers: TrustedIssuerRegistry,
    private readonly audit: AuditService,
    private readonly metrics: FacadeMetrics,
  ) {}

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const [upstream, issuers] = await Promise.all([this.backend.ping(), this.issuers.loadAll()]);
    if (!upstream) this.metrics.backendHealthFailure(this.backend.name);
    const auditStore = this.audit.writable;
    const ok = upstream && auditStore && issuers.every((i) => i.ok);
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks: { upstream, auditStore, issuers } };
  }
}
