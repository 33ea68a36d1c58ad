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
  /**
   * For selectors of the form `[Type.]member.where(criteria)`: the criteria alone, evaluated on one element
   * of `member` (as `where` does for each element). Lets the engine test only the elements it cares about
   * (identifiers of a data class) instead of every element. Absent when the criteria reads anything outside
   * the element (`%resource`, `%context`, `$index`, ...).
   */
  readonly elementCriteria?: (resourceType: string, element: object) => boolean;
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
  const anchor = anchorOf(ast);
  return {
    evaluate: (resource) => compiled(resource) as FhirPathNode[],
    anchor,
    elementCriteria: anchor ? elementCriteriaOf(expression, ast, anchor.member) : undefined,
  };
}

const WHERE_SHAPE = /^\s*(?:[A-Z][A-Za-z0-9]*\s*\.\s*)?[a-z][A-Za-z0-9]*\s*\.\s*where\s*\(([\s\S]*)\)\s*$/;

function elementCriteriaOf(expression: string, ast: AstNode, member: string): CompiledSelector['elementCriteria'] {
  const chain = steps(ast) ?? [];
  const last = chain[chain.length - 1];
  const isWhere = last?.type === 'FunctionInvocation' && last.text === 'where';
  const shapeOk = isWhere && chain.length === (chain[0]?.text && /^[A-Z]/.test(chain[0].text) ? 3 : 2);
  const criteria = shapeOk ? WHERE_SHAPE.exec(expression)?.[1] : undefined;
  // Outside string literals: no environment variables, no $index/$total, no comments (they would hide the shape).
  const code = criteria?.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  if (!criteria || !code || /[%`]|\$index|\$total|\/\/|\/\*/.test(code)) return undefined;
  const byType = new Map<string, ReturnType<typeof fhirpath.compile>>();
  const evaluate = (resourceType: string, element: object): boolean => {
    let compiled = byType.get(resourceType);
    if (!compiled) {
      compiled = fhirpath.compile({ base: `${resourceType}.${member}`, expression: criteria }, r4, { resolveInternalTypes: false, async: false });
      byType.set(resourceType, compiled);
    }
    return !!(compiled(element) as unknown[])[0];
  };
  const reads = membersRead(fhirpath.parse(criteria) as AstNode);
  return reads ? memoized(evaluate, reads) : evaluate;
}

/** Functions that only look at what their input and arguments navigate to (no `children()`, `extension()`...). */
const LOCAL_FUNCTIONS = new Set([
  'where', 'exists', 'empty', 'not', 'all', 'first', 'last', 'count', 'startsWith', 'endsWith',
  'contains', 'matches', 'lower', 'upper', 'length', 'hasValue', 'select', 'distinct', 'single', 'trim',
]);

/**
 * The member names a criteria navigates, when it reaches the element only through them (then its result
 * depends only on those members of the element); undefined when it may read more (`$this`, other functions).
 */
function membersRead(ast: AstNode): Set<string> | undefined {
  const names = new Set<string>();
  let local = true;
  const visit = (node: AstNode) => {
    if (node.type === 'ThisInvocation' || node.type === 'ExternalConstantTerm') local = false;
    if (node.type === 'MemberInvocation' && node.text) names.add(node.text);
    if (node.type === 'Functn' && !LOCAL_FUNCTIONS.has(node.children?.[0]?.text ?? '')) local = false;
    node.children?.forEach(visit);
  };
  visit(ast);
  return local ? names : undefined;
}

/**
 * Caches a criteria's verdict by the element's members it reads (e.g. `system` and `type` of an
 * Identifier, not its `value`): identifiers shaped alike get the verdict without another FHIRPath run.
 */
function memoized(evaluate: (resourceType: string, element: object) => boolean, reads: Set<string>) {
  const cache = new Map<string, boolean>();
  return (resourceType: string, element: object): boolean => {
    const projection: Record<string, unknown> = {};
    for (const key in element) {
      const name = key.startsWith('_') ? key.slice(1) : key;
      // value[x] keys count under their base name too.
      if (reads.has(name) || [...reads].some((r) => name.startsWith(r) && /[A-Z]/.test(name[r.length] ?? ''))) {
        projection[key] = (element as Record<string, unknown>)[key];
      }
    }
    const cacheKey = `${resourceType}|${JSON.stringify(projection)}`;
    let verdict = cache.get(cacheKey);
    if (verdict === undefined) {
      verdict = evaluate(resourceType, element);
      if (cache.size >= 1000) cache.clear();
      cache.set(cacheKey, verdict);
    }
    return verdict;
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
