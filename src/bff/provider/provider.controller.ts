/**
 * Provider dashboard endpoints (practitioner tokens): the patient panel, a chart summary, and EHR launch
 * of a SMART app. Thin: principal and request in, one service call out.
 */
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Access } from '../../fhir/access-context.decorator.js';
import type { AccessContext } from '../../fhir/fhir-access.service.js';
import { badRequest } from '../../fhir/outcomes.js';
import { EhrLaunchService, type EhrLaunchRequest } from '../../launch/index.js';
import { PatientChartService } from './patient-chart.service.js';
import { PatientPanelService } from './patient-panel.service.js';
import { LaunchRequestDto, LaunchResponseDto, PatientChartDto, PatientPanelDto } from './provider.dto.js';

@ApiTags('provider')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or invalid token (OperationOutcome)' })
@ApiForbiddenResponse({ description: 'Not a practitioner token, or the provider access policy refuses (OperationOutcome naming the rule)' })
@Controller('bff/provider')
export class ProviderController {
  constructor(
    private readonly panelService: PatientPanelService,
    private readonly chartService: PatientChartService,
    private readonly launchService: EhrLaunchService,
  ) {}

  @Get('patients')
  @ApiOkResponse({ type: PatientPanelDto })
  patients(@Access() a: AccessContext): Promise<PatientPanelDto> {
    return this.panelService.panel(a);
  }

  @Get('patients/:id/chart')
  @ApiOkResponse({ type: PatientChartDto })
  chart(@Param('id') id: string, @Access() a: AccessContext): Promise<PatientChartDto> {
    return this.chartService.chart(id, a);
  }

  @Post('launch')
  @HttpCode(201)
  @ApiCreatedResponse({ type: LaunchResponseDto })
  launch(@Body() body: LaunchRequestDto, @Access() a: AccessContext): Promise<LaunchResponseDto> {
    return this.launchService.launch(launchRequestOf(body), a);
  }
}

/** The JSON body, checked field by field (types only; the service checks meaning). */
function launchRequestOf(body: unknown): EhrLaunchRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (name: string, required: boolean): string | undefined => {
    const v = b[name];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') throw badRequest(`${name} must be a string`, [name]);
    return v;
  };
  const fhirContext = b['fhirContext'];
  if (fhirContext !== undefined && (!Array.isArray(fhirContext) || !fhirContext.every((r) => typeof r === 'string'))) {
    throw badRequest('fhirContext must be an array of references', ['fhirContext']);
  }
  const banner = b['needPatientBanner'];
  if (banner !== undefined && typeof banner !== 'boolean') throw badRequest('needPatientBanner must be a boolean', ['needPatientBanner']);
  return {
    clientId: str('clientId', true)!,
    patient: str('patient', true)!,
    encounter: str('encounter', false),
    ...(fhirContext ? { fhirContext: fhirContext as string[] } : {}),
    ...(banner !== undefined ? { needPatientBanner: banner } : {}),
  };
}
