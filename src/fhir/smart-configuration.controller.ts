/**
 * Public discovery: `/.well-known/smart-configuration` (always `application/json`, whatever the Accept;
 * CORS-readable by browser apps) and the CapabilityStatement with its SMART `rest.security`.
 *
 * @see https://build.fhir.org/ig/HL7/smart-app-launch/conformance.html#using-well-known
 */
import { Controller, Get, Header, Res } from '@nestjs/common';
import type { CapabilityStatement, CapabilityStatementRest } from '@medplum/fhirtypes';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/index.js';
import { buildSmartConfiguration, capabilityStatementSecurity } from '../smart/index.js';
import { AuthorizationServerDiscovery } from './authorization-server.discovery.js';
import { FhirService } from './fhir.service.js';
import { interaction } from './fhir-request.parser.js';
import type { FhirResult } from './fhir-result.js';

@Public()
@Controller('fhir')
export class SmartConfigurationController {
  constructor(
    private readonly discovery: AuthorizationServerDiscovery,
    private readonly fhir: FhirService,
  ) {}

  @Get('.well-known/smart-configuration')
  @Header('access-control-allow-origin', '*')
  @Header('cache-control', 'public, max-age=300')
  async smartConfiguration(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify(buildSmartConfiguration(await this.discovery.endpoints()));
  }

  @Get('metadata')
  async metadata(): Promise<FhirResult> {
    const result = await this.fhir.execute(interaction('capabilities', {}));
    const cs = result.body as CapabilityStatement;
    const security = capabilityStatementSecurity(await this.discovery.endpoints());
    const rests: CapabilityStatementRest[] = cs.rest?.length ? cs.rest : [{ mode: 'server' }];
    cs.rest = rests.map((rest) => ({ ...rest, security }));
    return result;
  }
}
