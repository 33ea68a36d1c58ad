import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ClinicalItemDto, DemographicsDto } from '../bff.dto.js';

export class PanelPatientDto extends DemographicsDto {
  @ApiPropertyOptional({ type: ClinicalItemDto, description: 'The most recent encounter' })
  lastEncounter?: ClinicalItemDto;
}

export class PatientPanelDto {
  @ApiProperty({ example: 'Practitioner/prac-01' })
  practitioner!: string;
  @ApiProperty({ type: [PanelPatientDto], description: 'Patients the provider access policy lets this practitioner open' })
  patients!: PanelPatientDto[];
}

export class PatientChartDto {
  @ApiProperty({ type: DemographicsDto })
  patient!: DemographicsDto;
  @ApiProperty({ type: [ClinicalItemDto] })
  activeConditions!: ClinicalItemDto[];
  @ApiProperty({ type: [ClinicalItemDto] })
  activeMedications!: ClinicalItemDto[];
  @ApiProperty({ type: [ClinicalItemDto] })
  allergies!: ClinicalItemDto[];
  @ApiProperty({ type: [ClinicalItemDto] })
  latestVitalSigns!: ClinicalItemDto[];
  @ApiProperty({ type: [ClinicalItemDto] })
  recentLabs!: ClinicalItemDto[];
  @ApiProperty({ type: [ClinicalItemDto], description: 'Most recent encounters, newest first' })
  recentEncounters!: ClinicalItemDto[];
}

export class LaunchRequestDto {
  @ApiProperty({ description: 'The SMART app (OAuth client id) registered in SMART_APPS', example: 'smart-app' })
  clientId!: string;
  @ApiProperty({ description: 'Patient id to open', example: 'pat-001' })
  patient!: string;
  @ApiPropertyOptional({ description: "Encounter id in context (must be the patient's)", example: 'enc-001-1' })
  encounter?: string;
  @ApiPropertyOptional({ type: [String], description: 'Other resources in context, relative references (not Patient)', example: ['DocumentReference/doc-001-1'] })
  fhirContext?: string[];
  @ApiPropertyOptional({ description: 'False when the dashboard shows its own patient banner around the app', default: true })
  needPatientBanner?: boolean;
}

export class LaunchResponseDto {
  @ApiProperty({ description: "The app's launch URL with `iss` and `launch`", example: 'http://127.0.0.1:8080/demo-app/launch.html?iss=...&launch=...' })
  launchUrl!: string;
  @ApiProperty({ description: 'Opaque, single-use launch value' })
  launch!: string;
  @ApiProperty({ description: 'Seconds until the launch value expires', example: 300 })
  expiresIn!: number;
}
