/**
 * The provider access policy's FHIR lookups: the Patient, their CareTeams and Encounters, and the
 * practitioner's PractitionerRoles, fetched from the backend and handed to the pure rule in smart/.
 * Verdicts are cached per practitioner and patient for a minute (care relationships change rarely;
 * a minute bounds how long a removed relationship still grants access).
 *
 * @see https://hl7.org/fhir/R4/careteam.html
 */
import type { Bundle, CareTeam, Encounter, Patient, PractitionerRole, Resource } from '@medplum/fhirtypes';
import type { Principal } from '../auth/principal.js';
import type { FhirBackend } from '../backends/index.js';
import { decideProviderAccess, type ProviderAccessChecker, type ProviderAccessMode } from '../smart/index.js';

const TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

export class FhirProviderAccessChecker implements ProviderAccessChecker {
  private readonly cache = new Map<string, { value: Promise<boolean>; expires: number }>();

  constructor(
    private readonly backend: FhirBackend,
    private readonly mode: ProviderAccessMode,
  ) {}

  canOpen(principal: Principal, patientId: string): Promise<boolean> {
    const practitioner = principal.fhirUser;
    if (!practitioner || principal.kind !== 'practitioner') return Promise.resolve(false);
    const key = `${practitioner}|${patientId}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = this.lookup(practitioner, patientId).catch((err: unknown) => {
      this.cache.delete(key); // never cache a failed lookup
      throw err;
    });
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, { value, expires: Date.now() + TTL_MS });
    return value;
  }

  private async lookup(practitioner: string, patientId: string): Promise<boolean> {
    const practitionerId = practitioner.split('/')[1]!;
    const subject = `subject=${encodeURIComponent(`Patient/${patientId}`)}`;
    const [patient, careTeams, encounters, roles] = await Promise.all([
      this.get<Patient>(`Patient/${patientId}`),
      this.search<CareTeam>('CareTeam', `${subject}&_count=100`),
      this.search<Encounter>('Encounter', `${subject}&_count=200`),
      this.search<PractitionerRole>('PractitionerRole', `practitioner=${encodeURIComponent(`Practitioner/${practitionerId}`)}&_count=100`),
    ]);
    if (!patient) return false;
    return decideProviderAccess(this.mode, practitioner, patientId, { patient, careTeams, encounters, practitionerRoles: roles });
  }

  private async get<T extends Resource>(path: string): Promise<T | undefined> {
    try {
      const res = await this.backend.request({ method: 'GET', path });
      return res.body as T;
    } catch (err) {
      if ((err as { status?: number }).status === 404 || (err as { status?: number }).status === 410) return undefined;
      throw err;
    }
  }

  private async search<T extends Resource>(type: string, query: string): Promise<T[]> {
    const res = await this.backend.request({ method: 'GET', path: type, query });
    return ((res.body as Bundle | undefined)?.entry ?? []).map((e) => e.resource as T).filter((r) => r?.resourceType === type);
  }
}
