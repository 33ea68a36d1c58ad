/**
 * FHIR REST routes under /fhir. Thin: read the path, query and body, describe the interaction, hand it
 * to FhirAccessService (authorization, forwarding, outbound checks, masking). Authentication is global.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import type { FhirInteraction } from '../smart/index.js';
import { Access, BreakGlassReason } from './access-context.decorator.js';
import { FhirAccessService, type AccessContext } from './fhir-access.service.js';
import { bundleOf, id, interaction, operationName, queryParams, resourceOf, resourceType } from './fhir-request.parser.js';
import type { FhirResult } from './fhir-result.js';

@Controller('fhir')
export class FhirController {
  constructor(private readonly access: FhirAccessService) {}

  @Get()
  searchSystem(@Query() q: unknown, @Access() a: AccessContext, @BreakGlassReason() bg?: string) {
    return this.run(interaction('search-system', { params: queryParams(q) }), a, bg);
  }

  @Post()
  @HttpCode(200)
  bundle(@Body() body: unknown, @Access() a: AccessContext, @BreakGlassReason() bg?: string) {
    const b = bundleOf(body);
    return this.run(interaction(b.type as 'batch' | 'transaction', { body: b }), a, bg);
  }

  @Get('_history')
  historySystem(@Query() q: unknown, @Access() a: AccessContext) {
    return this.run(interaction('history-system', { params: queryParams(q) }), a);
  }

  @Get(':type')
  search(@Param('type') type: string, @Query() q: unknown, @Access() a: AccessContext, @BreakGlassReason() bg?: string) {
    return this.run(interaction('search-type', { resourceType: resourceType(type), params: queryParams(q) }), a, bg);
  }

  @Post(':type/_search')
  @HttpCode(200)
  searchPost(@Param('type') type: string, @Query() q: unknown, @Body() form: unknown, @Access() a: AccessContext, @BreakGlassReason() bg?: string) {
    const params = { ...queryParams(q) };
    for (const [name, values] of Object.entries(queryParams(form ?? {}))) params[name] = [...(params[name] ?? []), ...values];
    const i = interaction('search-type', { resourceType: resourceType(type), params });
    return this.run(i, { ...a, forward: { ...a.forward, postSearch: true } }, bg);
  }

  @Post(':type')
  create(@Param('type') type: string, @Body() body: unknown, @Access() a: AccessContext) {
    return this.run(interaction('create', { resourceType: resourceType(type), body: resourceOf(body) }), a);
  }

  @Put(':type')
  conditionalUpdate(@Param('type') type: string, @Query() q: unknown, @Body() body: unknown, @Access() a: AccessContext) {
    return this.run(interaction('update', { resourceType: resourceType(type), params: queryParams(q), body: resourceOf(body) }), a);
  }

  @Get(':type/_history')
  historyType(@Param('type') type: string, @Query() q: unknown, @Access() a: AccessContext) {
    return this.run(interaction('history-type', { resourceType: resourceType(type), params: queryParams(q) }), a);
  }

  @Get(':type/:id')
  read(@Param('type') type: string, @Param('id') rid: string, @Query() q: unknown, @Access() a: AccessContext, @BreakGlassReason() bg?: string) {
    const t = resourceType(type);
    if (rid.startsWith('$')) {
      return this.run(interaction('operation', { resourceType: t, operation: { name: operationName(rid), level: 'type' }, params: queryParams(q) }), a, bg);
    }
    return this.run(interaction('read', { resourceType: t, id: id(rid), params: readParams(q) }), a, bg);
  }

  @Put(':type/:id')
  update(@Param('type') type: string, @Param('id') rid: string, @Body() body: unknown, @Access() a: AccessContext, @BreakGlassReason() bg?: string) {
    return this.run(interaction('update', { resourceType: resourceType(type), id: id(rid), body: resourceOf(body) }), a, bg);
  }

  @Patch(':type/:id')
  patch(@Param('type') type: string, @Param('id') rid: string, @Body() body: unknown, @Access() a: AccessContext, @BreakGlassReason() bg?: string) {
    return this.run(interaction('patch', { resourceType: resourceType(type), id: id(rid), body }), a, bg);
  }

  @Delete(':type/:id')
  delete(@Param('type') type: string, @Param('id') rid: string, @Access() a: AccessContext, @BreakGlassReason() bg?: string) {
    return this.run(interaction('delete', { resourceType: resourceType(type), id: id(rid) }), a, bg);
  }

  @Get(':type/:id/_history')
  historyInstance(@Param('type') type: string, @Param('id') rid: string, @Query() q: unknown, @Access() a: AccessContext, @BreakGlassReason() bg?: string) {
    return this.run(interaction('history-instance', { resourceType: resourceType(type), id: id(rid), params: queryParams(q) }), a, bg);
  }

  /** `Patient/x/$everything` (instance operation) or `Patient/x/Observation` (compartment search). */
  @Get(':type/:id/:sub')
  instanceSub(
    @Param('type') type: string,
    @Param('id') rid: string,
    @Param('sub') sub: string,
    @Query() q: unknown,
    @Access() a: AccessContext,
    @BreakGlassReason() bg?: string,
  ) {
    const t = resourceType(type);
    const params = queryParams(q);
    if (sub.startsWith('$')) {
      return this.run(interaction('operation', { resourceType: t, id: id(rid), operation: { name: operationName(sub), level: 'instance' }, params }), a, bg);
    }
    return this.run(interaction('search-compartment', { resourceType: resourceType(sub), compartment: { resourceType: t, id: id(rid) }, params }), a, bg);
  }

  @Get(':type/:id/_history/:vid')
  vread(@Param('type') type: string, @Param('id') rid: string, @Param('vid') vid: string, @Access() a: AccessContext, @BreakGlassReason() bg?: string) {
    return this.run(interaction('vread', { resourceType: resourceType(type), id: id(rid), versionId: id(vid, 'version id') }), a, bg);
  }

  private run(i: FhirInteraction, a: AccessContext, breakGlassReason?: string): Promise<FhirResult> {
    return this.access.handle(breakGlassReason === undefined ? i : { ...i, breakGlassReason }, a);
  }
}

/** A read accepts only `_summary` and `_elements`; other parameters are ignored as FHIR allows. */
function readParams(query: unknown) {
  const all = queryParams(query);
  const kept: Record<string, readonly string[]> = {};
  if (all._summary) kept._summary = all._summary;
  if (all._elements) kept._elements = all._elements;
  return kept;
}
