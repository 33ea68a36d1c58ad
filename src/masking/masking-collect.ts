/**
 * First pass over a response: finds every resource (root, Bundle entries at any depth, contained,
 * Parameters) and every identifier of a sensitive data class, wherever it sits (Reference.identifier
 * included), with the values the free-text pass must look for.
 *
 * @see https://hl7.org/fhir/R4/datatypes.html#Identifier
 * @see https://hl7.org/fhir/R4/bundle.html
 */
import type { CompiledDataClass, CompiledMaskingPolicy } from './masking-policy.types.js';
import { normalizeValue } from './masking-methods.js';

export type Json = Record<string, unknown>;

/** An identifier of a data class and where it sits. */
export interface ClassMember {
  readonly identifier: Json;
  readonly container: Json | unknown[];
  readonly key: string | number;
  /** The object holding the property (for arrays, the array's owner), and the property name. */
  readonly owner: Json;
  readonly prop: string;
  readonly dataClass: CompiledDataClass;
  /** The nearest enclosing resource. */
  readonly resource: Json;
}

export interface Collected {
  /** Every resource, outer before inner. */
  readonly resources: Json[];
  readonly members: ClassMember[];
  readonly membersByResource: Map<Json, ClassMember[]>;
  /** Normalised identifier values per data class name. */
  readonly values: Map<string, Set<string>>;
}

/** Index of the policy's data classes by identifier system and by type coding. */
export class ClassIndex {
  private readonly bySystem = new Map<string, CompiledDataClass>();
  private readonly byType = new Map<string, CompiledDataClass>();

  constructor(policy: CompiledMaskingPolicy) {
    for (const dataClass of policy.dataClasses.values()) {
      for (const system of dataClass.identifierSystems) this.bySystem.set(system, dataClass);
      for (const type of dataClass.identifierTypes) this.byType.set(`${type.system}|${type.code}`, dataClass);
    }
  }

  /** The data class of an Identifier-shaped object, if any. */
  classOf(node: Json): CompiledDataClass | undefined {
    if (typeof node.system === 'string') {
      const bySystem = this.bySystem.get(node.system);
      if (bySystem) return bySystem;
    }
    const coding = (node.type as { coding?: unknown } | undefined)?.coding;
    if (Array.isArray(coding)) {
      for (const code of coding as Json[]) {
        const byType = this.byType.get(`${String(code?.system)}|${String(code?.code)}`);
        if (byType) return byType;
      }
    }
    return undefined;
  }
}

/** Walks the whole body once. Missing elements (`_summary`, `_elements`) are simply not visited. */
export function collect(body: unknown, index: ClassIndex): Collected {
  const collected: Collected = { resources: [], members: [], membersByResource: new Map(), values: new Map() };
  if (typeof body === 'object' && body !== null) visit(body as Json, body as Json, '', body as Json, '', undefined, collected, index);
  return collected;
}

function visit(
  node: Json | unknown[],
  container: Json | unknown[],
  key: string | number,
  owner: Json,
  prop: string,
  resource: Json | undefined,
  out: Collected,
  index: ClassIndex,
): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const item = node[i];
      if (typeof item === 'object' && item !== null) visit(item as Json, node, i, owner, prop, resource, out, index);
    }
    return;
  }
  if (typeof node.resourceType === 'string') {
    resource = node;
    out.resources.push(node);
  }
  if (typeof node.value === 'string' && resource) {
    const dataClass = index.classOf(node);
    if (dataClass) {
      const member: ClassMember = { identifier: node, container, key, owner, prop, dataClass, resource };
      out.members.push(member);
      const list = out.membersByResource.get(resource);
      if (list) list.push(member);
      else out.membersByResource.set(resource, [member]);
      let values = out.values.get(dataClass.name);
      if (!values) out.values.set(dataClass.name, (values = new Set()));
      values.add(normalizeValue(node.value));
    }
  }
  for (const name in node) {
    const child = node[name];
    if (typeof child === 'object' && child !== null) visit(child as Json, node, name, node, name, resource, out, index);
  }
}
