/**
 * Compiles a masking rule's FHIRPath selector once, checks that every function it calls exists, and derives
 * the cheap pre-filter (the selector's first member) the engine uses to skip resources that cannot match.
 *
 * @see https://hl7.org/fhirpath/N1/#path-selection
 * @see https://github.com/HL7/fhirpath.js#api-usage
 */
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { FhirPathNode } from './masking-policy.types.js';

interface AstNode {
  readonly type: string;
  readonly text?: string;
  readonly children?: readonly AstNode[];
}

export interface CompiledSelector {
  readonly evaluate: (resource: object) => FhirPathNode[];
  readonly anchor?: { readonly resourceType?: string; readonly member: string };
}

interface FunctionCall {
  readonly name: string;
  readonly arity: number;
}

const knownFunctions = new Map<string, boolean>();

/**
 * fhirpath.js accepts unknown function names at compile time and fails only when evaluation reaches them.
 * Ask the engine itself: the same call on an empty collection fails with "Not implemented" only if the
 * function is unknown (with the selector's own arity, so a known function does not warn).
 */
function functionExists({ name, arity }: FunctionCall): boolean {
  const key = `${name}/${arity}`;
  let known = knownFunctions.get(key);
  if (known === undefined) {
    try {
      fhirpath.evaluate({}, `{}.${name}(${Array.from({ length: arity }, () => '{}').join(', ')})`, undefined, r4);
      known = true;
    } catch (error) {
      known = !String((error as Error).message).includes('Not implemented');
    }
    knownFunctions.set(key, known);
  }
  return known;
}

function functionCalls(node: AstNode, out: FunctionCall[] = []): FunctionCall[] {
  if (node.type === 'Functn') {
    const name = node.children?.[0]?.text;
    const params = node.children?.find((child) => child.type === 'ParamList');
    if (name) out.push({ name, arity: params?.children?.length ?? 0 });
  }
  for (const child of node.children ?? []) functionCalls(child, out);
  return out;
}

/** The left-to-right steps of a simple invocation chain (`a.b.where(...)`), or undefined for anything else. */
function steps(node: AstNode): AstNode[] | undefined {
  switch (node.type) {
    case 'EntireExpression':
    case 'TermExpression':
    case 'InvocationTerm':
      return node.children?.length === 1 ? steps(node.children[0]!) : undefined;
    case 'InvocationExpression': {
      const [left, right] = node.children ?? [];
      const head = left ? steps(left) : undefined;
      return head && right ? [...head, right] : undefined;
    }
    case 'MemberInvocation':
    case 'FunctionInvocation':
      return [node];
    default:
      return undefined;
  }
}

function anchorOf(ast: AstNode): CompiledSelector['anchor'] {
  const chain = steps(ast);
  const [first, second] = chain ?? [];
  if (first?.type !== 'MemberInvocation' || !first.text) return undefined;
  if (/^[A-Z]/.test(first.text)) {
    return second?.type === 'MemberInvocation' && second.text ? { resourceType: first.text, member: second.text } : undefined;
  }
  return { member: first.text };
}

/**
 * Compiles a selector against the R4 model. Throws a plain Error with the engine's message when the
 * expression does not parse or calls an unknown function; the loader adds the rule id.
 */
export function compileSelector(expression: string): CompiledSelector {
  const ast = fhirpath.parse(expression) as AstNode;
  const unknown = functionCalls(ast).filter((call) => !functionExists(call));
  if (unknown.length) throw new Error(`unknown FHIRPath function(s): ${unknown.map((call) => call.name).join(', ')}`);
  const compiled = fhirpath.compile(expression, r4, { resolveInternalTypes: false, async: false });
  return {
    evaluate: (resource) => compiled(resource) as FhirPathNode[],
    anchor: anchorOf(ast),
  };
}

/** True when the resource may hold the selector's first member at its root (choice types and `_x` included). */
export function mayMatch(anchor: CompiledSelector['anchor'], resource: Record<string, unknown>): boolean {
  if (!anchor) return true;
  if (anchor.resourceType && resource.resourceType !== anchor.resourceType) return false;
  const member = anchor.member;
  if (member in resource || `_${member}` in resource) return true;
  for (const key in resource) {
    // value[x]: `value` matches valueQuantity, valueString, ...
    if (key.length > member.length && key.startsWith(member) && /[A-Z]/.test(key[member.length]!)) return true;
  }
  return false;
}
