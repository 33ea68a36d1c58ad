/**
 * EMR answers in the facade's terms, before anything else sees them:
 * - every patient reference (relative or absolute, anywhere in the resource) becomes the facade's patient id
 *   through the cross-walk; a resource naming a patient that does not map back is DROPPED, never passed on
 *   (the compartment filter trusts `Patient/<id>` references, and an EMR id may equal another facade patient's id);
 * - other references to the EMR become relative, with qualified ids (`Practitioner/epic.123`);
 * - the resource id is qualified, `meta.source` and the source tag are set;
 * - EMR Patient resources are dropped: demographics come from the primary server.
 *
 * @see https://hl7.org/fhir/R4/references.html
 */
import type { Resource } from '@medplum/fhirtypes';
import { patientIdFromReference } from '../../smart/index.js';
import type { PatientCrosswalk } from '../emr/patient-crosswalk.js';
import { qualifyId, tagSource } from './source-tag.js';

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export class EmrResultTranslator {
  constructor(
    private readonly emr: string,
    private readonly baseUrl: string,
    private readonly crosswalk: PatientCrosswalk,
  ) {}

  /** Translated copies of the resources that may be shown; the others are left out. */
  async translate(resources: readonly Resource[]): Promise<Map<Resource, Resource>> {
    const kept = resources.filter((r) => r.resourceType !== 'Patient');
    const emrPatients = new Set<string>();
    for (const r of kept) walkReferences(r, (ref) => {
      const target = this.relative(ref);
      const patient = target ? patientIdFromReference(target) : patientIdFromReference(ref);
      if (patient !== undefined) emrPatients.add(patient);
      return ref;
    });
    const mapped = new Map<string, string | undefined>();
    await Promise.all([...emrPatients].map(async (id) => mapped.set(id, await this.crosswalk.toFacade(id))));

    const out = new Map<Resource, Resource>();
    for (const r of kept) {
      const copy = structuredClone(r);
      let unmapped = false;
      walkReferences(copy, (ref) => {
        if (ref.startsWith('#') || ref.startsWith('urn:')) return ref;
        const rel = this.relative(ref);
        if (rel === undefined) {
          if (patientIdFromReference(ref) !== undefined) unmapped = true; // a patient on another server
          return ref;
        }
        const m = RELATIVE.exec(rel);
        if (!m) {
          if (patientIdFromReference(rel) !== undefined) unmapped = true;
          return rel;
        }
        const [, type, id, history] = m;
        if (type === 'Patient') {
          const facadeId = mapped.get(id!);
          if (facadeId === undefined) unmapped = true;
          return `Patient/${facadeId ?? 'unmapped'}`;
        }
        return `${type}/${qualifyId(this.emr, id!)}${history ?? ''}`;
      });
      if (unmapped) continue;
      if (copy.id) copy.id = qualifyId(this.emr, copy.id);
      tagSource(copy, this.emr);
      out.set(r, copy);
    }
    return out;
  }

  /** A reference relative to the EMR's base, or undefined when it points at another server. */
  private relative(ref: string): string | undefined {
    if (ref.startsWith(`${this.baseUrl}/`)) return ref.slice(this.baseUrl.length + 1);
    if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) return undefined;
    return ref;
  }
}

/** Calls `fn` on every `reference` string in the resource (contained resources and extensions included), replacing it. */
export function walkReferences(node: unknown, fn: (ref: string) => string): void {
  if (Array.isArray(node)) {
    for (const item of node) walkReferences(item, fn);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'reference' && typeof value === 'string') obj[key] = fn(value);
    else if (value && typeof value === 'object') walkReferences(value, fn);
  }
}
