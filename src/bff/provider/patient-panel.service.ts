/**
 * `GET /bff/provider/patients`: the practitioner's panel. Candidates are the patients the practitioner is
 * linked to (CareTeam participant, Encounter participant, general practitioner); every search runs through
 * the one FHIR access path, whose provider access policy drops anyone the practitioner may not open.
 *
 * @see https://hl7.org/fhir/R4/careteam.html
 */
import { Injectable } from '@nestjs/common';
import type { Encounter, Patient, Resource } from '@medplum/fhirtypes';
import { FhirAccessService, type AccessContext } from '../../fhir/fhir-access.service.js';
import { forbidden } from '../../fhir/outcomes.js';
import { search } from '../bff-search.js';
import { demographics, encounterItem } from '../fhir-summary.js';
import type { PanelPatientDto, PatientPanelDto } from './provider.dto.js';

const MAX_PANEL = 200;

@Injectable()
export class PatientPanelService {
  constructor(private readonly access: FhirAccessService) {}

  async panel(ctx: AccessContext): Promise<PatientPanelDto> {
    const practitioner = practitionerOf(ctx);
    const [teams, encounters, gp] = await Promise.all([
      search<Resource>(this.access, ctx, 'CareTeam', { participant: practitioner, _count: '200' }),
      search<Resource>(this.access, ctx, 'Encounter', { participant: practitioner, _count: '500' }),
      search<Patient>(this.access, ctx, 'Patient', { 'general-practitioner': practitioner, _count: '200' }),
    ]);
    const ids = new Set(gp.map((p) => p.id!).filter(Boolean));
    for (const r of [...teams, ...encounters]) {
      const id = patientIdOf((r as { subject?: { reference?: string } }).subject?.reference);
      if (id) ids.add(id);
    }
    const wanted = [...ids].sort().slice(0, MAX_PANEL);
    if (wanted.length === 0) return { practitioner, patients: [] };
    const [patients, lastEncounters] = await Promise.all([
      search<Patient>(this.access, ctx, 'Patient', { _id: wanted.join(','), _count: String(wanted.length) }),
      search<Encounter>(this.access, ctx, 'Encounter', { patient: wanted.join(','), _sort: '-date', _count: '1000' }),
    ]);
    const last = new Map<string, Encounter>();
    for (const e of lastEncounters) {
      const id = patientIdOf(e.subject?.reference);
      if (id && !last.has(id)) last.set(id, e);
    }
    const rows: PanelPatientDto[] = patients
      .map((p) => ({ ...demographics(p), ...(last.has(p.id!) ? { lastEncounter: encounterItem(last.get(p.id!)!) } : {}) }))
      .sort((a, b) => a.id.localeCompare(b.id));
    return { practitioner, patients: rows };
  }
}

/** Provider endpoints are for practitioner users. */
export function practitionerOf(ctx: AccessContext): string {
  const { principal } = ctx;
  if (principal.kind !== 'practitioner' || !principal.fhirUser) throw forbidden('bff-provider-practitioner-only');
  return principal.fhirUser;
}

function patientIdOf(reference: string | undefined): string | undefined {
  return reference ? /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference)?.[1] : undefined;
}
