/**
 * A fast path for the Patient compartment's membership test: most of the compartment's search parameter
 * expressions are plain property paths (`Observation.subject`, `Appointment.participant.actor`,
 * `CarePlan.activity.detail.performer`), which can be followed on the resource's JSON directly instead of
 * through the typed FHIRPath engine.
 *
 * Only those pure dotted forms compile to a path; anything else (a `.where(...)`, a function, an `as`, a
 * union) does not, and the caller keeps its FHIRPath evaluation for it. Following a path is exactly the
 * FHIRPath navigation of `@medplum/core` for well-formed data: each step takes the named property of every
 * node, flattening arrays (FHIRPath collections), and dropping empty values. Wherever the engine could see
 * something different from plain property access, {@link referencesAlong} answers `undefined` and the caller
 * evaluates the FHIRPath expressions instead:
 * - a choice-type variant of a step's name on a node (`subjectReference`, `valueReference`): the engine reads
 *   those for `subject[x]` and, without a schema, when `subject` is absent;
 * - a primitive extension of a step's name (`_subject`): the engine merges it into the value;
 * - a `resourceType` on a node below the resource: the engine navigates a resource by its type name and types
 *   its properties by the resource's schema;
 * - an array inside an array, or a reached value that is not an object: not FHIR, not worth reasoning about;
 * - a reached Reference whose `reference` is neither a string nor absent, or that has its own `valueOf` (the
 *   engine calls it).
 * Contained resources are never descended (no compartment expression goes through `contained`), so a
 * contained Patient counts exactly as little as it does for FHIRPath.
 *
 * @see https://hl7.org/fhir/R4/compartmentdefinition-patient.html
 * @see https://hl7.org/fhirpath/
 */
import { DotAtom, SymbolAtom, type Atom } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

/** The property names followed from the resource, without its type: `Appointment.participant.actor` → `['participant', 'actor']`. */
export type PropertyPath = readonly string[];

/** A FHIR element name, as the compartment's expressions spell them (no `[x]`, no `$this`, no `%var`). */
const ELEMENT_NAME = /^[a-z][A-Za-z0-9]*$/;
const MAX_STEPS = 3;

/**
 * The property path of `Type.a`, `Type.a.b` or `Type.a.b.c` where `Type` is `resourceType`; `undefined` for
 * any other expression (which must then be evaluated as FHIRPath).
 */
export function compilePropertyPath(resourceType: string, atom: Atom): PropertyPath | undefined {
  const names = symbolChain(atom);
  if (!names || names.length < 2 || names.length > MAX_STEPS + 1 || names[0] !== resourceType) return undefined;
  const steps = names.slice(1);
  if (!steps.every((name) => ELEMENT_NAME.test(name))) return undefined;
  // The structure is the one expected: its rendering must say the same thing.
  return atom.toString() === names.join('.') ? steps : undefined;
}

/** `a.b.c` as `['a', 'b', 'c']` when the atom is made of dots and symbols only. */
function symbolChain(atom: Atom): string[] | undefined {
  if (atom instanceof SymbolAtom) return [atom.name];
  if (!(atom instanceof DotAtom)) return undefined;
  const left = symbolChain(atom.left);
  const right = left && symbolChain(atom.right);
  return right ? [...left!, ...right] : undefined;
}

/**
 * The `reference` strings of the References reached along the paths, in path order then document order
 * (FHIRPath's order); `undefined` when the resource holds anything on which the FHIRPath evaluation could
 * differ from plain property access (see the file header): the caller must then evaluate the FHIRPath.
 */
export function referencesAlong(resource: Resource, paths: readonly PropertyPath[]): string[] | undefined {
  const out: string[] = [];
  for (const path of paths) {
    if (!follow(resource, path, 0, out)) return undefined;
  }
  return out;
}

/** Follows `path[step..]` from `node`, appending reached references to `out`; false to bail out. */
function follow(node: object, path: PropertyPath, step: number, out: string[]): boolean {
  const name = path[step]!;
  if (step > 0 && 'resourceType' in node) return false;
  if (hasVariantOf(node, name)) return false;
  const value = (node as Record<string, unknown>)[name];
  if (value === undefined || value === null) return true;
  if (!Array.isArray(value)) return reach(value, path, step, out);
  for (const element of value) {
    if (Array.isArray(element) || !reach(element, path, step, out)) return false;
  }
  return true;
}

/** One value of `path[step]`: a node to go on from, or (at the last step) a Reference. */
function reach(value: unknown, path: PropertyPath, step: number, out: string[]): boolean {
  if (value === undefined || value === null) return true;
  if (step < path.length - 1) {
    // FHIRPath finds nothing below a primitive.
    return typeof value === 'object' ? follow(value, path, step + 1, out) : true;
  }
  if (typeof value !== 'object' || Array.isArray(value) || Object.hasOwn(value, 'valueOf')) return false;
  const reference = (value as { reference?: unknown }).reference;
  if (reference === undefined || reference === null) return true;
  if (typeof reference !== 'string') return false;
  out.push(reference);
  return true;
}

/** True when the node has `<name>X…` (a choice-type variant) or `_<name>…` (a primitive extension) besides `<name>`. */
function hasVariantOf(node: object, name: string): boolean {
  const extension = `_${name}`;
  for (const key in node) {
    if (key.length > name.length && key.startsWith(name)) {
      const next = key.charCodeAt(name.length);
      if (next >= 65 && next <= 90) return true; // A-Z
    } else if (key.startsWith(extension)) {
      return true;
    }
  }
  return false;
}
