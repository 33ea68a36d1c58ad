import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ClinicalItemDto, DemographicsDto } from '../bff.dto.js';

/** What a patient's home screen shows, in one call. */
export class PortalSummaryDto {
  @ApiProperty({ type: DemographicsDto })
  patient!: DemographicsDto;
  @ApiProperty({ type: [ClinicalItemDto] })
  activeConditions!: ClinicalItemDto[];
  @ApiProperty({ type: [ClinicalItemDto] })
  activeMedications!: ClinicalItemDto[];
  @ApiProperty({ type: [ClinicalItemDto] })
  allergies!: ClinicalItemDto[];
  @ApiProperty({ type: [ClinicalItemDto], description: 'The latest value of each vital sign' })
  latestVitalSigns!: ClinicalItemDto[];
  @ApiProperty({ type: [ClinicalItemDto], description: 'Most recent laboratory results, newest first' })
  recentLabs!: ClinicalItemDto[];
  @ApiProperty({ type: [ClinicalItemDto], description: 'Booked appointments from today on (from the EMR when configured)' })
  upcomingAppointments!: ClinicalItemDto[];
  @ApiProperty({ description: 'False when no appointment source answered (no EMR configured, or it failed)' })
  appointmentsAvailable!: boolean;
}

/** One access to the patient's record (HIPAA accounting of disclosures, 45 CFR §164.528). */
export class AccessLogEntryDto {
  @ApiProperty({ description: 'When (ISO 8601)' })
  recorded!: string;
  @ApiProperty({ description: 'Who: the user (`Practitioner/prac-01`, `Patient/pat-001`) or the system', example: 'Practitioner/prac-01' })
  who!: string;
  @ApiPropertyOptional({ description: 'Through which application (OAuth client id)' })
  clientId?: string;
  @ApiProperty({ description: 'FHIR interaction', example: 'read' })
  interaction!: string;
  @ApiProperty({ description: 'C, R, U, D or E' })
  action!: string;
  @ApiPropertyOptional({ example: 'Observation' })
  resourceType?: string;
  @ApiPropertyOptional({ example: 'Observation/obs-001-hr-1' })
  resource?: string;
  @ApiProperty({ description: 'success, refused or failed' })
  outcome!: string;
  @ApiProperty({ description: 'Why: treatment, or emergency access (break-glass)', example: 'treatment' })
  purpose!: string;
  @ApiPropertyOptional({ description: 'The reason given for emergency access' })
  breakGlassReason?: string;
}

export class AccessLogDto {
  @ApiProperty({ example: 'pat-001' })
  patient!: string;
  @ApiProperty({ type: [AccessLogEntryDto], description: 'Newest first' })
  entries!: AccessLogEntryDto[];
}
