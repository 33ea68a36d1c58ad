/**
 * Epic's quirks. Base URLs end in `/api/FHIR/R4` (e.g. `https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4`);
 * backend apps authenticate with RS384 (or ES384) JWTs and a registered key (JWKS or JWK Set URL); the MRN
 * identifier system is an organisation-specific OID; clinical searches need a patient.
 *
 * @see https://fhir.epic.com/Documentation?docId=oauth2&section=BackendOAuth2Guide
 */
import type { EmrQuirks } from './emr-adapter.js';

export const EPIC_QUIRKS: EmrQuirks = {
  vendor: 'Epic',
  checkBaseUrl: (url) => (/\/api\/FHIR\/R4$/.test(url) ? undefined : 'an Epic FHIR R4 base URL ends in /api/FHIR/R4'),
  supportedTypes: new Set(['Patient', 'Appointment', 'Slot', 'Schedule', 'MedicationRequest', 'Practitioner', 'Location']),
  patientRequiredFor: new Set(['MedicationRequest']),
  maxCount: 1000,
};
