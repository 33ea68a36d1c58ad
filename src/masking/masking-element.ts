/**
 * Where a selected element sits in the JSON and how it is changed: removal keeps a primitive's `_x`
 * sibling in step, transforms fall back to removal for shapes they cannot mask (fail closed).
 *
 * @see https://hl7.org/fhir/R4/json.html#primitive
 */
import type { Json } from './masking-collect.js';
import type { FhirPathNode } from './masking-policy.types.js';
import type { ValueTransform } from './masking-methods.js';

/** An element's place: `owner[prop]`, or `owner[prop][index]` in a repeating element. */
export interface ElementRef {
  readonly owner: Json;
  readonly prop: string;
  readonly index: number | null;
}

/** The place of a FHIRPath node, or undefined for a root or a node that is not in the JSON. */
export function refOfNode(node: FhirPathNode): ElementRef | undefined {
  const owner = node.parentResNode?.data;
  if (typeof owner !== 'object' || owner === null || !node.propName) return undefined;
  return { owner: owner as Json, prop: choiceKey(owner as Json, node.propName), index: typeof node.index === 'number' ? node.index : null };
}

/** fhirpath.js names a choice element by its base name (`value`); the JSON key is `valueString`, ... */
function choiceKey(owner: Json, prop: string): string {
  if (prop in owner) return prop;
  for (const key in owner) {
    if (key.length > prop.length && key.startsWith(prop) && /[A-Z]/.test(key[prop.length]!)) return key;
  }
  return prop;
}

export function readElement(ref: ElementRef): unknown {
  const value = ref.owner[ref.prop];
  return ref.index === null ? value : Array.isArray(value) ? value[ref.index] : undefined;
}

function writeElement(ref: ElementRef, value: unknown): void {
  if (ref.index === null) ref.owner[ref.prop] = value;
  else (ref.owner[ref.prop] as unknown[])[ref.index] = value;
}

/**
 * Removes the element (and its `_prop` extension sibling). For objects in arrays the position is found by
 * identity, so earlier removals in the same array do not shift the target; primitives in arrays must be
 * removed in descending index order (the engine sorts them).
 */
export function removeElement(ref: ElementRef, expected: unknown): void {
  const { owner, prop } = ref;
  const shadow = `_${prop}`;
  if (ref.index === null) {
    delete owner[prop];
    delete owner[shadow];
    return;
  }
  const list = owner[prop];
  if (!Array.isArray(list)) return;
  const at = typeof expected === 'object' && expected !== null ? list.indexOf(expected) : ref.index;
  if (at < 0 || at >= list.length) return;
  list.splice(at, 1);
  const shadowList = owner[shadow];
  if (Array.isArray(shadowList)) shadowList.splice(at, 1);
  if (list.length === 0) {
    delete owner[prop];
    delete owner[shadow];
  }
}

/**
 * Applies a value transform: a string element is replaced; an element with a string `value`
 * (Identifier, ContactPoint, ...) has its `value` replaced. Returns false when the element has neither
 * shape, so the caller removes it instead.
 */
export function transformElement(ref: ElementRef, element: unknown, transform: ValueTransform): boolean {
  if (typeof element === 'string') {
    writeElement(ref, transform(element));
    return true;
  }
  if (typeof element === 'object' && element !== null && typeof (element as Json).value === 'string') {
    (element as Json).value = transform((element as Json).value as string);
    return true;
  }
  return false;
}

/** `substitute` with a non-string value replaces the whole element with a copy of it. */
export function replaceElement(ref: ElementRef, replacement: unknown): void {
  writeElement(ref, structuredClone(replacement));
}
