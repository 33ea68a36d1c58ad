/**
 * Pure shaping of already authorized and masked FHIR resources into the summary DTOs the front ends
 * show. Nothing here reads a resource that did not come back from FhirAccessService (so nothing here
 * can show data the caller may not see, or unmasked data).
 */
import type {
  AllergyIntolerance,
  Appointment,
  CodeableConcept,
  Condition,
  Encounter,
  MedicationRequest,
  Observation,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import type { ClinicalItemDto, DemographicsDto } from './bff.dto.js';

export function demographics(p: Patient): DemographicsDto {
  const n = p.name?.find((x) => x.use === 'official') ?? p.name?.[0];
  const name = n?.text ?? [n?.given?.join(' '), n?.family].filter(Boolean).join(' ');
  return {
    id: p.id ?? '',
    name,
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
    ...(p.gender ? { gender: p.gender } : {}),
    identifiers: (p.identifier ?? []).map((i) => ({ ...(i.system ? { system: i.system } : {}), ...(i.value ? { value: i.value } : {}) })),
  };
}

const text = (c: CodeableConcept | undefined): string => c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.[0]?.code ?? '';

function item(r: Resource, display: string, extra: Partial<ClinicalItemDto>): ClinicalItemDto {
  const clean = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined && v !== ''));
  return { resourceType: r.resourceType, id: r.id ?? '', display, ...clean };
}

function observationValue(o: Observation): string | undefined {
  const q = (v: Observation['valueQuantity']) => (v?.value !== undefined ? `${v.value}${v.unit ? ` ${v.unit}` : ''}` : undefined);
  if (o.valueQuantity) return q(o.valueQuantity);
  if (o.valueString) return o.valueString;
  if (o.valueCodeableConcept) return text(o.valueCodeableConcept);
  const parts = (o.component ?? []).map((c) => `${text(c.code)} ${q(c.valueQuantity) ?? ''}`.trim());
  return parts.length ? parts.join(', ') : undefined;
}

export const conditionItem = (c: Condition) =>
  item(c, text(c.code), { status: c.clinicalStatus?.coding?.[0]?.code, date: c.onsetDateTime ?? c.recordedDate });

export const medicationItem = (m: MedicationRequest) =>
  item(m, text(m.medicationCodeableConcept) || (m.medicationReference?.display ?? ''), { status: m.status, date: m.authoredOn });

export const allergyItem = (a: AllergyIntolerance) =>
  item(a, text(a.code), { status: a.clinicalStatus?.coding?.[0]?.code, value: a.criticality, date: a.recordedDate });

export const observationItem = (o: Observation) =>
  item(o, text(o.code), { status: o.status, date: o.effectiveDateTime ?? o.issued, value: observationValue(o) });

export const encounterItem = (e: Encounter) =>
  item(e, text(e.type?.[0]) || (e.class?.display ?? e.class?.code ?? 'Encounter'), { status: e.status, date: e.period?.start });

export const appointmentItem = (a: Appointment) =>
  item(a, a.description ?? (text(a.serviceType?.[0]) || 'Appointment'), { status: a.status, date: a.start });

/** The most recent observation per code (input sorted newest first). */
export function latestPerCode(observations: readonly Observation[]): Observation[] {
  const seen = new Set<string>();
  return observations.filter((o) => {
    const key = o.code?.coding?.[0] ? `${o.code.coding[0].system}|${o.code.coding[0].code}` : text(o.code);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Newest first by an ISO date (missing dates last). */
export const byDateDesc = <T extends { date?: string }>(a: T, b: T) => (b.date ?? '').localeCompare(a.date ?? '');
