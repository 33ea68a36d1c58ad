/**
 * DTOs shared by the portal and provider endpoints, documented for the OpenAPI document (`@nestjs/swagger`).
 * Every value in them comes from resources that went through authorization and PHI masking.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class IdentifierDto {
  @ApiPropertyOptional({ example: 'http://hl7.org/fhir/sid/us-ssn' })
  system?: string;
  @ApiPropertyOptional({ description: 'Masked per the PHI masking policy (an SSN shows its last four digits at most)', example: '***-**-1234' })
  value?: string;
}

export class DemographicsDto {
  @ApiProperty({ example: 'pat-001' })
  id!: string;
  @ApiProperty({ example: 'Jane Doe' })
  name!: string;
  @ApiPropertyOptional({ example: '1980-04-12' })
  birthDate?: string;
  @ApiPropertyOptional({ example: 'female' })
  gender?: string;
  @ApiProperty({ type: [IdentifierDto] })
  identifiers!: IdentifierDto[];
}

/** One line of a summary list: a condition, medication, allergy, observation, encounter or appointment. */
export class ClinicalItemDto {
  @ApiProperty({ example: 'Observation' })
  resourceType!: string;
  @ApiProperty({ example: 'obs-001-hr-1' })
  id!: string;
  @ApiProperty({ description: 'What it is, as coded text', example: 'Heart rate' })
  display!: string;
  @ApiPropertyOptional({ example: 'final' })
  status?: string;
  @ApiPropertyOptional({ description: 'Effective, onset, authored or start date (ISO 8601)' })
  date?: string;
  @ApiPropertyOptional({ description: 'Value with unit, when the resource has one', example: '72 /min' })
  value?: string;
}
