/**
 * The R4 base StructureDefinitions reduced to what `@medplum/core` indexes from them (for `validateResource`
 * and typed FHIRPath): the snapshot elements' paths, cardinalities, types, bindings, invariants, fixed and
 * pattern values, slicing (invariants keep their `human` text: validation messages quote it). Narrative, differential, mappings and the prose of every element are dropped.
 * `profiles-resources.json` goes from 35 MB to under 3 MB; parsing the full file at start-up was the
 * facade's peak memory (V8 keeps the pages it grew into) and half its start-up time (issue 9).
 * `fhir-definitions.spec.ts` checks that the indexed schemas are the same either way.
 */
import type { Bundle, ElementDefinition, Resource, StructureDefinition } from '@medplum/fhirtypes';

/** Bumped when what is kept changes, so a stale cached file is not reused. */
export const TRIM_FORMAT = 1;

const KEPT_ELEMENT_FIELDS = new Set([
  'id',
  'path',
  'sliceName',
  'min',
  'max',
  'base',
  'contentReference',
  'type',
  'binding',
  'constraint',
  'slicing',
  'maxLength',
  'isSummary',
  'isModifier',
  'mustSupport',
]);
const DROPPED_DEFINITION_FIELDS = new Set(['text', 'differential', 'mapping', 'description', 'purpose', 'contact', 'copyright']);

/** The StructureDefinitions of a definitions bundle, trimmed; other resources are left out. */
export function trimStructureDefinitions(bundle: Bundle): Bundle<StructureDefinition> {
  const entry: { resource: StructureDefinition }[] = [];
  for (const e of bundle.entry ?? []) {
    const r = e.resource as Resource | undefined;
    if (r?.resourceType !== 'StructureDefinition') continue;
    entry.push({ resource: trimDefinition(r) });
  }
  return { resourceType: 'Bundle', type: 'collection', entry };
}

function trimDefinition(sd: StructureDefinition): StructureDefinition {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sd)) if (!DROPPED_DEFINITION_FIELDS.has(key)) out[key] = value;
  if (sd.snapshot) out['snapshot'] = { element: (sd.snapshot.element ?? []).map(trimElement) };
  return out as unknown as StructureDefinition;
}

function trimElement(el: ElementDefinition): ElementDefinition {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(el)) {
    if (KEPT_ELEMENT_FIELDS.has(key) || key.startsWith('fixed') || key.startsWith('pattern')) out[key] = value;
  }
  if (el.constraint) out['constraint'] = el.constraint.map(({ key, severity, expression, human }) => ({ key, severity, expression, human }));
  if (el.binding) {
    const { description: _prose, ...binding } = el.binding;
    out['binding'] = binding;
  }
  return out as unknown as ElementDefinition;
}
