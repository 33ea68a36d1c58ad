/**
 * The standalone-launch patient picker's choices: the patients a practitioner may open under the provider
 * access policy. Candidates are the patients the practitioner is linked to (CareTeam participant,
 * Encounter participant, general practitioner); each is then checked by the same provider access checker
 * the FHIR access path uses. Handed to the local IdP's sign-in (`patientPicker` option).
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-standalone-launch
 */
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import type { Principal } from '../auth/index.js';
import type { FhirBackend } from '../backends/index.js';
import { FhirProviderAccessChecker } from '../fhir/provider-access.checker.js';
import type { ProviderAccessMode } from '../smart/index.js';

export interface PatientChoice {
  readonly id: string;
  readonly label: string;
}

const MAX_CHOICES = 100;

/** `(practitioner) => choices`, for `startLocalIdp({ patientPicker })`. */
export function createPatientPicker(backend: FhirBackend, mode: ProviderAccessMode): (practitioner: string) => Promise<PatientChoice[]> {
  const checker = new FhirProviderAccessChecker(backend, mode);
  const search = async (type: string, query: string): Promise<Resource[]> => {
    const res = await backend.request({ method: 'GET', path: type, query });
    return ((res.body as Bundle | undefined)?.entry ?? []).map((e) => e.resource).filter((r): r is Resource => r?.resourceType === type);
  };
  return async (practitioner) => {
    if (!/^Practitioner\/[A-Za-z0-9\-.]{1,64}$/.test(practitioner)) return [];
    const ref = encodeURIComponent(practitioner);
    const [teams, encounters, patients] = await Promise.all([
      search('CareTeam', `participant=${ref}&_count=200`),
      search('Encounter', `participant=${ref}&_count=500`),
      search('Patient', `general-practitioner=${ref}&_count=200`),
    ]);
    const ids = new Set<string>(patients.map((p) => p.id!).filter(Boolean));
    for (const r of [...teams, ...encounters]) {
      const subject = (r as { subject?: { reference?: string } }).subject?.reference;
      const m = subject ? /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(subject) : null;
      if (m) ids.add(m[1]!);
    }
    const principal: Principal = { issuer: 'local-idp', subject: practitioner, clientId: 'patient-picker', kind: 'practitioner', fhirUser: practitioner, scopes: [], roles: [], expiresAt: 0 };
    const sorted = [...ids].sort().slice(0, MAX_CHOICES);
    const allowed = await Promise.all(sorted.map((id) => checker.canOpen(principal, id)));
    const open = sorted.filter((_, i) => allowed[i]);
    if (open.length === 0) return [];
    const named = new Map((await search('Patient', `_id=${open.join(',')}&_count=${open.length}`)).map((p) => [p.id!, label(p as Patient)]));
    return open.map((id) => ({ id, label: named.get(id) ?? id }));
  };
}

function label(p: Patient): string {
  const n = p.name?.[0];
  const text = n?.text ?? [n?.given?.join(' '), n?.family].filter(Boolean).join(' ');
  return text || (p.id ?? '');
}
