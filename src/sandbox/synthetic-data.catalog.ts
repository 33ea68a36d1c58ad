/**
 * Fixed vocabularies for the synthetic data set: code systems, clinical codes, and the name and address
 * pools the generator draws from. Every person, address and number built from these is invented.
 */
import type { Coding } from '@medplum/fhirtypes';

/** Code systems and identifier systems used by the sandbox data. */
export const SYSTEMS = {
  ssn: 'http://hl7.org/fhir/sid/us-ssn',
  /** MRN system: a documentation OID arc (2.16.840.1.113883.19 is HL7's example arc, never a real assigner). */
  mrn: 'urn:oid:2.16.840.1.113883.19.5.99999.1',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  ucum: 'http://unitsofmeasure.org',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  actCode: 'http://terminology.hl7.org/v3-ActCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  practitionerRole: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
  /** Project tag marking every sandbox resource as synthetic. */
  syntheticTag: 'http://fhir-facade.example.org/CodeSystem/data-origin',
} as const;

export const SYNTHETIC_TAG: Coding = {
  system: SYSTEMS.syntheticTag,
  code: 'synthetic',
  display: 'Synthetic test data: no real person',
};

export const GIVEN_NAMES = {
  female: ['Amelia', 'Beatriz', 'Chloe', 'Dana', 'Elena', 'Fatima', 'Grace', 'Hana', 'Irene', 'Julia', 'Keiko', 'Lena'],
  male: ['Aaron', 'Bruno', 'Carlos', 'David', 'Elias', 'Felix', 'Gustavo', 'Henry', 'Ivan', 'Jonas', 'Kenji', 'Liam'],
} as const;

export const FAMILY_NAMES = [
  'Abbott', 'Bergstrom', 'Castillo', 'Delacroix', 'Eriksen', 'Fairbanks', 'Gallagher', 'Haddad', 'Ishikawa',
  'Jovanovic', 'Kowalski', 'Lindqvist', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quintero', 'Rasmussen',
  'Sorensen', 'Takahashi', 'Umarov', 'Valdez', 'Whitfield', 'Xiong', 'Yilmaz', 'Zielinski',
] as const;

export const STREETS = ['Maple Ave', 'Harbor St', 'Elm St', 'Cedar Ln', 'Beacon Rd', 'Orchard Way', 'Mill Rd'] as const;

export const CITIES = [
  { city: 'Springfield', postalCode: '01101' },
  { city: 'Riverton', postalCode: '01230' },
  { city: 'Lakeside', postalCode: '01342' },
  { city: 'Fairview', postalCode: '01453' },
] as const;

/** Vital signs (LOINC) with the ranges values are drawn from. */
export const VITALS = {
  heartRate: { code: '8867-4', display: 'Heart rate', unit: '/min', ucum: '/min', min: 58, max: 98 },
  bloodPressure: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure', min: 105, max: 150 },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure', min: 62, max: 95 },
  bodyWeight: { code: '29463-7', display: 'Body weight', unit: 'kg', ucum: 'kg', min: 48, max: 110 },
} as const;

/** Laboratory results (LOINC). */
export const LABS = {
  glucose: { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', unit: 'mg/dL', ucum: 'mg/dL', min: 72, max: 180 },
  hba1c: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%', ucum: '%', min: 4.8, max: 9.2 },
} as const;

export const ACTIVE_CONDITIONS: readonly Coding[] = [
  { system: SYSTEMS.snomed, code: '38341003', display: 'Hypertensive disorder, systemic arterial' },
  { system: SYSTEMS.snomed, code: '44054006', display: 'Diabetes mellitus type 2' },
  { system: SYSTEMS.snomed, code: '195967001', display: 'Asthma' },
  { system: SYSTEMS.snomed, code: '55822004', display: 'Hyperlipidemia' },
];

export const RESOLVED_CONDITIONS: readonly Coding[] = [
  { system: SYSTEMS.snomed, code: '10509002', display: 'Acute bronchitis' },
  { system: SYSTEMS.snomed, code: '44465007', display: 'Sprain of ankle' },
  { system: SYSTEMS.snomed, code: '43878008', display: 'Streptococcal sore throat' },
];

/** Long-term medications, index-aligned with ACTIVE_CONDITIONS. */
export const CHRONIC_MEDICATIONS: readonly Coding[] = [
  { system: SYSTEMS.rxnorm, code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
  { system: SYSTEMS.rxnorm, code: '860975', display: '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet' },
  { system: SYSTEMS.rxnorm, code: '745679', display: '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler' },
  { system: SYSTEMS.rxnorm, code: '259255', display: 'atorvastatin 80 MG Oral Tablet' },
];

/** Short courses, index-aligned with RESOLVED_CONDITIONS. */
export const ACUTE_MEDICATIONS: readonly Coding[] = [
  { system: SYSTEMS.rxnorm, code: '310965', display: 'ibuprofen 200 MG Oral Tablet' },
  { system: SYSTEMS.rxnorm, code: '310965', display: 'ibuprofen 200 MG Oral Tablet' },
  { system: SYSTEMS.rxnorm, code: '308182', display: 'amoxicillin 250 MG Oral Capsule' },
];

export const ALLERGENS: readonly { coding: Coding; category: 'food' | 'medication' | 'environment' }[] = [
  { coding: { system: SYSTEMS.snomed, code: '256349002', display: 'Peanut - dietary' }, category: 'food' },
  { coding: { system: SYSTEMS.snomed, code: '764146007', display: 'Penicillin' }, category: 'medication' },
  { coding: { system: SYSTEMS.snomed, code: '111088007', display: 'Latex' }, category: 'environment' },
  { coding: { system: SYSTEMS.snomed, code: '227150003', display: 'Shellfish' }, category: 'food' },
];

export const VACCINES: readonly Coding[] = [
  { system: SYSTEMS.cvx, code: '140', display: 'Influenza, seasonal, injectable, preservative free' },
  { system: SYSTEMS.cvx, code: '208', display: 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose' },
  { system: SYSTEMS.cvx, code: '115', display: 'Tdap' },
  { system: SYSTEMS.cvx, code: '133', display: 'Pneumococcal conjugate PCV 13' },
];

export const ENCOUNTER_TYPES: readonly Coding[] = [
  { system: SYSTEMS.snomed, code: '185349003', display: 'Encounter for check up' },
  { system: SYSTEMS.snomed, code: '390906007', display: 'Follow-up encounter' },
  { system: SYSTEMS.snomed, code: '50849002', display: 'Emergency room admission' },
];

export const NOTE_TYPES = {
  progress: { system: SYSTEMS.loinc, code: '11506-3', display: 'Progress note' },
  registration: { system: SYSTEMS.loinc, code: '34133-9', display: 'Summary of episode note' },
} as const;
