/**
 * Per-patient clinical resources of the synthetic data set: Encounters, Observations (vital signs and
 * laboratory), Conditions, MedicationRequests, AllergyIntolerances, Immunizations and DocumentReferences.
 * Ids are fixed (`enc-001-1`, `obs-001-hr-1`, …) so tests can name them.
 *
 * @see https://hl7.org/fhir/R4/observation-vitalsigns.html
 * @see https://hl7.org/fhir/R4/valueset-observation-category.html
 */
import type {
  AllergyIntolerance,
  CodeableConcept,
  Coding,
  Condition,
  DocumentReference,
  Encounter,
  Immunization,
  MedicationRequest,
  Observation,
  Patient,
  Practitioner,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import {
  ACTIVE_CONDITIONS,
  ACUTE_MEDICATIONS,
  ALLERGENS,
  CHRONIC_MEDICATIONS,
  ENCOUNTER_TYPES,
  LABS,
  NOTE_TYPES,
  RESOLVED_CONDITIONS,
  SYNTHETIC_TAG,
  SYSTEMS,
  VACCINES,
  VITALS,
} from './synthetic-data.catalog.js';
import { formatSsn, type PatientIdentity } from './synthetic-data.patient.js';
import type { SeededRandom } from './synthetic-data.prng.js';
import { EMERGENCY_VISITS, ORGANIZATION_ID, isSsnCanaryPatient, panelOf } from './synthetic-data.staff.js';

/** The data set's "now": every date is computed back from it, never from the clock. */
export const REFERENCE_DATE = '2026-01-01T00:00:00Z';
const REFERENCE_MS = Date.parse(REFERENCE_DATE);
const DAY_MS = 86_400_000;

/** An instant `days` before the reference date, at `hour`:`minute` UTC, without milliseconds. */
export function daysBefore(days: number, hour = 9, minute = 0): string {
  return new Date(REFERENCE_MS - days * DAY_MS + (hour * 60 + minute) * 60_000).toISOString().replace('.000Z', 'Z');
}

const meta = () => ({ tag: [{ ...SYNTHETIC_TAG }] });
const cc = (coding: CodeableConcept['coding'] & object, text?: string): CodeableConcept => ({
  coding,
  text: text ?? coding[0]?.display,
});
const pract = (id: string): Reference<Practitioner> => ({ reference: `Practitioner/${id}` });
const category = (code: 'vital-signs' | 'laboratory'): CodeableConcept[] => [
  cc([{ system: SYSTEMS.observationCategory, code, display: code === 'vital-signs' ? 'Vital Signs' : 'Laboratory' }]),
];

interface PatientContext {
  readonly who: PatientIdentity;
  readonly rng: SeededRandom;
  readonly subject: Reference<Patient>;
  readonly num: string;
}

function encounters(ctx: PatientContext): Encounter[] {
  const panel = panelOf(ctx.who.n);
  const visits: { type: number; days: number; staff?: string; cls: string }[] = [
    { type: 0, days: ctx.rng.int(300, 360), staff: panel?.encounterStaff[0], cls: 'AMB' },
    { type: 1, days: ctx.rng.int(20, 120), staff: panel?.encounterStaff[1], cls: 'AMB' },
  ];
  for (const er of EMERGENCY_VISITS.filter((v) => v.patient === ctx.who.n)) {
    visits.push({ type: 2, days: ctx.rng.int(5, 15), staff: er.practitioner, cls: 'EMER' });
  }
  return visits.map((v, i) => ({
    resourceType: 'Encounter',
    id: `enc-${ctx.num}-${i + 1}`,
    meta: meta(),
    status: 'finished',
    class: { system: SYSTEMS.actCode, code: v.cls, display: v.cls === 'AMB' ? 'ambulatory' : 'emergency' },
    type: [cc([ENCOUNTER_TYPES[v.type]!])],
    subject: ctx.subject,
    ...(v.staff
      ? {
          participant: [
            {
              type: [cc([{ system: SYSTEMS.participationType, code: 'PPRF', display: 'primary performer' }])],
              individual: pract(v.staff),
            },
          ],
        }
      : {}),
    period: { start: daysBefore(v.days, 9, 0), end: daysBefore(v.days, 9, 40) },
    serviceProvider: { reference: `Organization/${ORGANIZATION_ID}` },
  }));
}

function quantityObservation(
  ctx: PatientContext,
  id: string,
  cat: 'vital-signs' | 'laboratory',
  def: { code: string; display: string; unit: string; ucum: string; min: number; max: number },
  encounter: Encounter,
  decimals: number,
): Observation {
  return {
    resourceType: 'Observation',
    id,
    meta: meta(),
    status: 'final',
    category: category(cat),
    code: cc([{ system: SYSTEMS.loinc, code: def.code, display: def.display }]),
    subject: ctx.subject,
    encounter: { reference: `Encounter/${encounter.id}` },
    effectiveDateTime: encounter.period!.start!,
    valueQuantity: { value: ctx.rng.decimal(def.min, def.max, decimals), unit: def.unit, system: SYSTEMS.ucum, code: def.ucum },
  };
}

function bloodPressure(ctx: PatientContext, id: string, encounter: Encounter): Observation {
  const mmHg = (v: number) => ({ value: v, unit: 'mm[Hg]', system: SYSTEMS.ucum, code: 'mm[Hg]' });
  const { bloodPressure: bp, systolic, diastolic } = VITALS;
  return {
    resourceType: 'Observation',
    id,
    meta: meta(),
    status: 'final',
    category: category('vital-signs'),
    code: cc([{ system: SYSTEMS.loinc, code: bp.code, display: bp.display }]),
    subject: ctx.subject,
    encounter: { reference: `Encounter/${encounter.id}` },
    effectiveDateTime: encounter.period!.start!,
    component: [
      { code: cc([{ system: SYSTEMS.loinc, code: systolic.code, display: systolic.display }]), valueQuantity: mmHg(ctx.rng.int(systolic.min, systolic.max)) },
      { code: cc([{ system: SYSTEMS.loinc, code: diastolic.code, display: diastolic.display }]), valueQuantity: mmHg(ctx.rng.int(diastolic.min, diastolic.max)) },
    ],
  };
}

function observations(ctx: PatientContext, encs: Encounter[]): Observation[] {
  const out: Observation[] = [];
  encs.slice(0, 2).forEach((enc, i) => {
    const k = i + 1;
    out.push(quantityObservation(ctx, `obs-${ctx.num}-hr-${k}`, 'vital-signs', VITALS.heartRate, enc, 0));
    out.push(bloodPressure(ctx, `obs-${ctx.num}-bp-${k}`, enc));
    out.push(quantityObservation(ctx, `obs-${ctx.num}-wt-${k}`, 'vital-signs', VITALS.bodyWeight, enc, 1));
  });
  const labEncounter = encs[1]!;
  out.push(quantityObservation(ctx, `obs-${ctx.num}-glu`, 'laboratory', LABS.glucose, labEncounter, 0));
  out.push(quantityObservation(ctx, `obs-${ctx.num}-a1c`, 'laboratory', LABS.hba1c, labEncounter, 1));
  return out;
}

function conditions(ctx: PatientContext, encs: Encounter[], chronic: number, acute: number): Condition[] {
  const status = (code: 'active' | 'resolved') => cc([{ system: SYSTEMS.conditionClinical, code, display: code === 'active' ? 'Active' : 'Resolved' }]);
  const confirmed = cc([{ system: SYSTEMS.conditionVerification, code: 'confirmed', display: 'Confirmed' }]);
  const onsetDays = ctx.rng.int(400, 3000);
  const acuteStart = encs[0]!.period!.start!;
  return [
    {
      resourceType: 'Condition',
      id: `cond-${ctx.num}-1`,
      meta: meta(),
      clinicalStatus: status('active'),
      verificationStatus: confirmed,
      category: [cc([{ system: SYSTEMS.conditionCategory, code: 'problem-list-item', display: 'Problem List Item' }])],
      code: cc([ACTIVE_CONDITIONS[chronic]!]),
      subject: ctx.subject,
      onsetDateTime: daysBefore(onsetDays),
      recordedDate: daysBefore(onsetDays),
    },
    {
      resourceType: 'Condition',
      id: `cond-${ctx.num}-2`,
      meta: meta(),
      clinicalStatus: status('resolved'),
      verificationStatus: confirmed,
      category: [cc([{ system: SYSTEMS.conditionCategory, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }])],
      code: cc([RESOLVED_CONDITIONS[acute]!]),
      subject: ctx.subject,
      encounter: { reference: `Encounter/${encs[0]!.id}` },
      onsetDateTime: acuteStart,
      abatementDateTime: daysBefore(ctx.rng.int(200, 280)),
      recordedDate: acuteStart,
    },
  ];
}

function medicationRequests(ctx: PatientContext, encs: Encounter[], chronic: number, acute: number): MedicationRequest[] {
  const prescriber = encs[0]!.participant?.[0]?.individual;
  const base = { resourceType: 'MedicationRequest' as const, meta: meta(), intent: 'order' as const, subject: ctx.subject, ...(prescriber ? { requester: prescriber } : {}) };
  return [
    {
      ...base,
      id: `medrx-${ctx.num}-1`,
      status: 'active',
      medicationCodeableConcept: cc([CHRONIC_MEDICATIONS[chronic]!]),
      authoredOn: encs[0]!.period!.start!,
      reasonReference: [{ reference: `Condition/cond-${ctx.num}-1` }],
      dosageInstruction: [{ text: 'As directed, once daily', timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } }],
    },
    {
      ...base,
      id: `medrx-${ctx.num}-2`,
      status: 'completed',
      medicationCodeableConcept: cc([ACUTE_MEDICATIONS[acute]!]),
      authoredOn: encs[0]!.period!.start!,
      encounter: { reference: `Encounter/${encs[0]!.id}` },
      reasonReference: [{ reference: `Condition/cond-${ctx.num}-2` }],
      dosageInstruction: [{ text: 'Three times daily for 7 days' }],
    },
  ];
}

function allergy(ctx: PatientContext): AllergyIntolerance {
  const allergen = ctx.rng.pick(ALLERGENS);
  return {
    resourceType: 'AllergyIntolerance',
    id: `allergy-${ctx.num}-1`,
    meta: meta(),
    clinicalStatus: cc([{ system: SYSTEMS.allergyClinical, code: 'active', display: 'Active' }]),
    verificationStatus: cc([{ system: SYSTEMS.allergyVerification, code: 'confirmed', display: 'Confirmed' }]),
    type: 'allergy',
    category: [allergen.category],
    criticality: ctx.rng.chance(0.3) ? 'high' : 'low',
    code: cc([allergen.coding]),
    patient: ctx.subject,
    recordedDate: daysBefore(ctx.rng.int(500, 2000)),
  };
}

function immunizations(ctx: PatientContext): Immunization[] {
  const first = ctx.rng.int(0, VACCINES.length - 1);
  const second = (first + 1 + ctx.rng.int(0, VACCINES.length - 2)) % VACCINES.length;
  return [first, second].map((v, i) => ({
    resourceType: 'Immunization',
    id: `imm-${ctx.num}-${i + 1}`,
    meta: meta(),
    status: 'completed',
    vaccineCode: cc([VACCINES[v]!]),
    patient: ctx.subject,
    occurrenceDateTime: daysBefore(ctx.rng.int(30, 700), 10, 15),
    primarySource: true,
    lotNumber: `LOT-${ctx.rng.int(1000, 9999)}`,
  }));
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function documents(ctx: PatientContext, encs: Encounter[]): DocumentReference[] {
  const { who } = ctx;
  const author = encs[1]!.participant?.[0]?.individual;
  const doc = (id: string, type: Coding, title: string, text: string, enc: Encounter): DocumentReference => ({
    resourceType: 'DocumentReference',
    id,
    meta: meta(),
    status: 'current',
    type: cc([type]),
    category: [cc([{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }])],
    subject: ctx.subject,
    date: enc.period!.end!,
    ...(author ? { author: [author] } : {}),
    custodian: { reference: `Organization/${ORGANIZATION_ID}` },
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', language: 'en-US', title, data: base64(text), creation: enc.period!.end! } }],
    context: { encounter: [{ reference: `Encounter/${enc.id}` }], period: enc.period! },
  });
  const out = [
    doc(`doc-${ctx.num}-1`, NOTE_TYPES.progress, 'Follow-up progress note',
      `Progress note for ${who.given} ${who.family} (${who.mrn}). Patient seen for follow-up; vitals stable, plan unchanged. Synthetic note.`, encs[1]!),
  ];
  if (isSsnCanaryPatient(who.n)) {
    out.push(doc(`doc-${ctx.num}-2`, NOTE_TYPES.registration, 'Registration summary',
      `Registration summary. Name: ${who.given} ${who.family}. DOB: ${who.birthDate}. MRN: ${who.mrn}. SSN: ${formatSsn(who.ssn)} (verified). Synthetic note.`, encs[0]!));
  }
  return out;
}

/** All clinical resources of one patient, in a fixed order. */
export function buildClinicalRecord(who: PatientIdentity, rng: SeededRandom): Resource[] {
  const ctx: PatientContext = { who, rng, subject: { reference: `Patient/${who.id}` }, num: who.id.slice(4) };
  const chronic = rng.int(0, ACTIVE_CONDITIONS.length - 1);
  const acute = rng.int(0, RESOLVED_CONDITIONS.length - 1);
  const encs = encounters(ctx);
  return [
    ...encs,
    ...observations(ctx, encs),
    ...conditions(ctx, encs, chronic, acute),
    ...medicationRequests(ctx, encs, chronic, acute),
    allergy(ctx),
    ...immunizations(ctx),
    ...documents(ctx, encs),
  ];
}
