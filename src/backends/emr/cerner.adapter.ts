/**
 * Oracle Health (Cerner) Millennium's quirks. Base URLs are per tenant, `https://fhir-ehr.cerner.com/r4/<tenant id>`;
 * system accounts authenticate with `private_key_jwt` (RS384 or ES384); the MRN system is the tenant's
 * (an OID from the tenant's alias pool); clinical searches need a patient; `_count` is capped at 100.
 *
 * @see https://docs.oracle.com/en/industries/health/millennium-platform-apis/mfrap/r4_overview.html
 * @see https://docs.oracle.com/en/industries/health/millennium-platform-apis/mfoa/
 */
import type { EmrQuirks } from './emr-adapter.js';

export const CERNER_QUIRKS: EmrQuirks = {
  vendor: 'Oracle Health (Cerner)',
  checkBaseUrl: (url) => (/\/r4\/[0-9a-f-]{36}$/i.test(url) ? undefined : 'an Oracle Health FHIR R4 base URL ends in /r4/<tenant id>'),
  supportedTypes: new Set(['Patient', 'Appointment', 'Slot', 'Schedule', 'MedicationRequest', 'Practitioner']),
  patientRequiredFor: new Set(['MedicationRequest', 'Appointment']),
  maxCount: 100,
};
