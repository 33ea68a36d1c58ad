import { Module } from '@nestjs/common';
import { FhirModule } from '../fhir/fhir.module.js';
import { LaunchModule } from '../launch/index.js';
import { AccessLogService } from './portal/access-log.service.js';
import { PortalSummaryService } from './portal/portal-summary.service.js';
import { PortalController } from './portal/portal.controller.js';
import { PatientChartService } from './provider/patient-chart.service.js';
import { PatientPanelService } from './provider/patient-panel.service.js';
import { ProviderController } from './provider/provider.controller.js';

/** Backend-for-frontend endpoints for the patient portal and the provider dashboard, built on FhirAccessService. */
@Module({
  imports: [FhirModule, LaunchModule],
  controllers: [PortalController, ProviderController],
  providers: [PortalSummaryService, AccessLogService, PatientPanelService, PatientChartService],
})
export class BffModule {}
