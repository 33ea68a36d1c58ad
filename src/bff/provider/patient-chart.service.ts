/**
 * `GET /bff/provider/patients/:id/chart`: a chart summary for one patient. The Patient read goes first
 * through the access path (403 unless the provider access policy or break-glass allows), then the
 * clinical searches run in parallel, each through the same path.
 */
import { Injectable } from '@nestjs/common';
import type { AllergyIntolerance, Condition, Encounter, MedicationRequest, Observation, Patient } from '@medplum/fhirtypes';
import { FhirAccessService, type AccessContext } from '../../fhir/fhir-access.service.js';
import { badRequest } from '../../fhir/outcomes.js';
import { read, search } from '../bff-search.js';
import { allergyItem, conditionItem, demographics, encounterItem, latestPerCode, medicationItem, observationItem } from '../fhir-summary.js';
import { practitionerOf } from './patient-panel.service.js';
import type { PatientChartDto } from './provider.dto.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

@Injectable()
export class PatientChartService {
  constructor(private readonly access: FhirAccessService) {}

  async chart(id: string, ctx: AccessContext): Promise<PatientChartDto> {
    practitionerOf(ctx);
    if (!ID.test(id)) throw badRequest('Invalid patient id', ['id']);
    const patient = await read<Patient>(this.access, ctx, 'Patient', id);
    const p = { patient: id };
    const [conditions, medications, allergies, vitals, labs, encounters] = await Promise.all([
      search<Condition>(this.access, ctx, 'Condition', { ...p, 'clinical-status': 'active', _count: '100' }),
      search<MedicationRequest>(this.access, ctx, 'MedicationRequest', { ...p, status: 'active', _count: '100' }),
      search<AllergyIntolerance>(this.access, ctx, 'AllergyIntolerance', { ...p, _count: '100' }),
      search<Observation>(this.access, ctx, 'Observation', { ...p, category: 'vital-signs', _sort: '-date', _count: '100' }),
      search<Observation>(this.access, ctx, 'Observation', { ...p, category: 'laboratory', _sort: '-date', _count: '10' }),
      search<Encounter>(this.access, ctx, 'Encounter', { ...p, _sort: '-date', _count: '10' }),
    ]);
    return {
      patient: demographics(patient),
      activeConditions: conditions.map(conditionItem),
      activeMedications: medications.map(medicationItem),
      allergies: allergies.map(allergyItem),
      latestVitalSigns: latestPerCode(vitals).map(observationItem),
      recentLabs: labs.map(observationItem),
      recentEncounters: encounters.map(encounterItem),
    };
  }
}
