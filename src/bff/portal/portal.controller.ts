/**
 * Patient portal endpoints (patient tokens). Thin: the principal and the request's access record in,
 * one service call out. Authentication is the global guard; audit is the global hook.
 */
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Access } from '../../fhir/access-context.decorator.js';
import type { AccessContext } from '../../fhir/fhir-access.service.js';
import { badRequest } from '../../fhir/outcomes.js';
import { AccessLogService } from './access-log.service.js';
import { AccessLogDto, PortalSummaryDto } from './portal.dto.js';
import { PortalSummaryService } from './portal-summary.service.js';

@ApiTags('portal')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or invalid token (OperationOutcome)' })
@ApiForbiddenResponse({ description: 'Not a patient token, or a scope does not allow it (OperationOutcome naming the rule)' })
@Controller('bff/portal')
export class PortalController {
  constructor(
    private readonly summaryService: PortalSummaryService,
    private readonly accessLogService: AccessLogService,
  ) {}

  @Get('me')
  @ApiOkResponse({ type: PortalSummaryDto })
  me(@Access() a: AccessContext): Promise<PortalSummaryDto> {
    return this.summaryService.summary(a);
  }

  @Get('me/access-log')
  @ApiQuery({ name: 'since', required: false, description: 'Only accesses at or after this time (ISO 8601)' })
  @ApiOkResponse({ type: AccessLogDto })
  accessLog(@Access() a: AccessContext, @Query('since') since?: string): AccessLogDto {
    if (since !== undefined && (typeof since !== 'string' || Number.isNaN(Date.parse(since)))) throw badRequest('since must be an ISO 8601 time', ['since']);
    return this.accessLogService.accessLog(a, since);
  }
}
