/**
 * FHIR REST routes under /fhir. Thin: read the path and query, describe the interaction, call the service.
 * Authentication is global; authorization, compartment filtering, masking and audit run around these handlers.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import { Body, Controller, Get, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Public } from '../auth/index.js';
import { FhirService } from './fhir.service.js';
import { id, interaction, queryParams, resourceType } from './fhir-request.parser.js';
import type { FhirResult } from './fhir-result.js';

@Controller('fhir')
export class FhirController {
  constructor(private readonly fhir: FhirService) {}

  @Public()
  @Get('metadata')
  metadata(@Req() req: FastifyRequest): Promise<FhirResult> {
    return this.fhir.execute(interaction('capabilities', {}), { requestId: req.id });
  }

  @Get('_history')
  historySystem(@Query() query: unknown, @Req() req: FastifyRequest): Promise<FhirResult> {
    return this.fhir.execute(interaction('history-system', { params: queryParams(query) }), { requestId: req.id });
  }

  @Get(':type')
  search(@Param('type') type: string, @Query() query: unknown, @Req() req: FastifyRequest): Promise<FhirResult> {
    return this.fhir.execute(interaction('search-type', { resourceType: resourceType(type), params: queryParams(query) }), { requestId: req.id });
  }

  @Post(':type/_search')
  searchPost(@Param('type') type: string, @Query() query: unknown, @Body() form: unknown, @Req() req: FastifyRequest): Promise<FhirResult> {
    const params = { ...queryParams(query) };
    for (const [name, values] of Object.entries(queryParams(form ?? {}))) params[name] = [...(params[name] ?? []), ...values];
    return this.fhir.execute(interaction('search-type', { resourceType: resourceType(type), params }), { postSearch: true, requestId: req.id });
  }

  @Get(':type/_history')
  historyType(@Param('type') type: string, @Query() query: unknown, @Req() req: FastifyRequest): Promise<FhirResult> {
    return this.fhir.execute(interaction('history-type', { resourceType: resourceType(type), params: queryParams(query) }), { requestId: req.id });
  }

  @Get(':type/:id')
  read(@Param('type') type: string, @Param('id') rid: string, @Query() query: unknown, @Req() req: FastifyRequest): Promise<FhirResult> {
    return this.fhir.execute(interaction('read', { resourceType: resourceType(type), id: id(rid), params: summaryParams(query) }), {
      requestId: req.id,
    });
  }

  @Get(':type/:id/_history')
  historyInstance(@Param('type') type: string, @Param('id') rid: string, @Query() query: unknown, @Req() req: FastifyRequest) {
    return this.fhir.execute(
      interaction('history-instance', { resourceType: resourceType(type), id: id(rid), params: queryParams(query) }),
      { requestId: req.id },
    );
  }

  @Get(':type/:id/_history/:vid')
  vread(
    @Param('type') type: string,
    @Param('id') rid: string,
    @Param('vid') vid: string,
    @Req() req: FastifyRequest,
  ): Promise<FhirResult> {
    return this.fhir.execute(interaction('vread', { resourceType: resourceType(type), id: id(rid), versionId: id(vid, 'version id') }), {
      requestId: req.id,
    });
  }
}

/** A read accepts only `_summary` and `_elements`; other parameters are ignored as FHIR allows. */
function summaryParams(query: unknown) {
  const all = queryParams(query);
  const kept: Record<string, readonly string[]> = {};
  if (all._summary) kept._summary = all._summary;
  if (all._elements) kept._elements = all._elements;
  return kept;
}
