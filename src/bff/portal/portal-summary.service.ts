/**
 * `GET /bff/portal/me`: the patient's home screen in one call. The backend searches run in parallel, each
 * through the one FHIR access path with the patient's own token (scopes, compartment, masking, audit).
 *
 * @see https://hl7.org/fhir/R4/patient.html
 */
import { Injectable } from '@nestjs/common';
import type { AllergyIntolerance, Appointment, Condition, MedicationRequest, Observation, Patient } from '@medplum/fhirtypes';
import { FhirAccessService, type AccessContext } from '../../fhir/fhir-access.service.js';
import { forbidden } from '../../fhir/outcomes.js';
import { read, search, searchOptional } from '../bff-search.js';
import { allergyItem, appointmentItem, conditionItem, demographics, latestPerCode, medicationItem, observationItem } from '../fhir-summary.js';
import type { PortalSummaryDto } from './portal.dto.js';

@Injectable()
export class PortalSummaryService {
  constructor(private readonly access: FhirAccessService) {}

  async summary(ctx: AccessContext, today = new Date()): Promise<PortalSummaryDto> {
    const id = ownPatient(ctx);
    const patient = { patient: id };
    const [me, conditions, medications, allergies, vitals, labs, appointments] = await Promise.all([
      read<Patient>(this.access, ctx, 'Patient', id),
      search<Condition>(this.access, ctx, 'Condition', { ...patient, 'clinical-status': 'active', _count: '100' }),
      search<MedicationRequest>(this.access, ctx, 'MedicationRequest', { ...patient, status: 'active', _count: '100' }),
      search<AllergyIntolerance>(this.access, ctx, 'AllergyIntolerance', { ...patient, _count: '100' }),
      search<Observation>(this.access, ctx, 'Observation', { ...patient, category: 'vital-signs', _sort: '-date', _count: '100' }),
      search<Observation>(this.access, ctx, 'Observation', { ...patient, category: 'laboratory', _sort: '-date', _count: '10' }),
      searchOptional<Appointment>(this.access, ctx, 'Appointment', { ...patient, date: `ge${today.toISOString().slice(0, 10)}`, _sort: 'date', _count: '20' }),
    ]);
    return {
      patient: demographics(me),
      activeConditions: conditions.map(conditionItem),
      activeMedications: medications.map(medicationItem),
      allergies: allergies.map(allergyItem),
      latestVitalSigns: latestPerCode(vitals).map(observationItem),
      recentLabs: labs.map(observationItem),
      upcomingAppointments: appointments.items.filter((a) => a.status !== 'cancelled').map(appointmentItem),
      appointmentsAvailable: appointments.available,
    };
  }
}

/** The portal is for patient users, about their own record only. */
export function ownPatient(ctx: AccessContext): string {
  const { principal } = ctx;
  if (principal.kind !== 'patient' || !principal.patient) throw forbidden('bff-portal-patient-only');
  return principal.patient;
}
