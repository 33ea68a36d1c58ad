import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { POLICY_CHILD_ELEMENTS, POLICY_CONTAINERS, POLICY_STATEMENTS } from './apim-policy-names.js';

/** An XML element with its attributes, child elements and concatenated text. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Where a policy document sits: the global scope, a scope below it (product, API, operation), or a fragment. */
export type PolicyKind = 'global' | 'scoped' | 'fragment';

const SECTIONS = ['inbound', 'backend', 'outbound', 'on-error'] as const;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
});

type OrderedNode = Record<string, unknown>;

function toElement(node: OrderedNode): XmlElement | undefined {
  const name = Object.keys(node).find((key) => key !== ':@');
  if (name === undefined || name === '#text' || name === '#comment' || name.startsWith('?')) return undefined;
  const attributes = (node[':@'] ?? {}) as Record<string, string>;
  const rawChildren = (node[name] ?? []) as OrderedNode[];
  const children: XmlElement[] = [];
  let text = '';
  for (const child of rawChildren) {
    if ('#text' in child) text += String(child['#text']);
    else {
      const element = toElement(child);
      if (element) children.push(element);
    }
  }
  return { name, attributes, children, text };
}

/** Parses one policy or fragment document; throws with the validator's message when it is not well-formed XML. */
export function parsePolicyXml(xml: string): XmlElement {
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    const { msg, line } = validation.err;
    throw new Error(`not well-formed XML (line ${line}): ${msg}`);
  }
  const roots = (parser.parse(xml) as OrderedNode[]).map(toElement).filter((e): e is XmlElement => !!e);
  if (roots.length !== 1) throw new Error(`expected one root element, found ${roots.length}`);
  return roots[0]!;
}

/** Every element of the tree, depth first, with its parent. */
export function* walkElements(root: XmlElement, parent?: XmlElement): Generator<{ element: XmlElement; parent?: XmlElement }> {
  yield { element: root, parent };
  for (const child of root.children) yield* walkElements(child, root);
}

export function findElements(root: XmlElement, name: string): XmlElement[] {
  return [...walkElements(root)].map((entry) => entry.element).filter((element) => element.name === name);
}

/** Names used as {{named-value}} anywhere in the document (attributes or text). */
export function namedValueReferences(xml: string): string[] {
  return [...new Set([...xml.matchAll(/\{\{([A-Za-z0-9._-]+)\}\}/g)].map((match) => match[1]!))].sort();
}

/**
 * Structural rules of an APIM policy document:
 * - policies: root <policies> with at most the four sections; below global every section is present and keeps
 *   <base /> (so the parent scope's controls always run); global has no <base /> (nothing to inherit);
 * - fragments: root <fragment>, no sections and no <base />;
 * - every element is a known policy statement where a statement is expected, or a known child element of its
 *   parent policy.
 */
export function checkPolicyDocument(xml: string, kind: PolicyKind): string[] {
  let root: XmlElement;
  try {
    root = parsePolicyXml(xml);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  if (kind === 'fragment') {
    if (root.name !== 'fragment') problems.push(`root element is <${root.name}>, expected <fragment>`);
    for (const { element } of walkElements(root)) {
      if (element.name === 'base' || (SECTIONS as readonly string[]).includes(element.name)) {
        problems.push(`<${element.name}> is not allowed in a fragment`);
      }
    }
  } else {
    if (root.name !== 'policies') problems.push(`root element is <${root.name}>, expected <policies>`);
    const sectionNames = root.children.map((child) => child.name);
    for (const section of SECTIONS) {
      const found = root.children.filter((child) => child.name === section);
      if (found.length > 1) problems.push(`section <${section}> appears ${found.length} times`);
      if (kind === 'scoped') {
        if (found.length === 0) problems.push(`section <${section}> is missing (it must keep <base />)`);
        else if (!found[0]!.children.some((child) => child.name === 'base')) {
          problems.push(`section <${section}> does not keep <base />, so inherited policies would be skipped`);
        }
      }
    }
    if (kind === 'global' && findElements(root, 'base').length > 0) problems.push('the global policy has nothing to inherit: no <base />');
    for (const name of sectionNames) {
      if (!(SECTIONS as readonly string[]).includes(name)) problems.push(`<${name}> is not a policy section`);
    }
  }
  for (const { element, parent } of walkElements(root)) {
    if (!parent) continue;
    if (POLICY_CONTAINERS.has(parent.name)) {
      if (!POLICY_STATEMENTS.has(element.name)) problems.push(`<${element.name}> (in <${parent.name}>) is not an APIM policy`);
    } else {
      const allowed = POLICY_CHILD_ELEMENTS[parent.name];
      if (allowed === undefined) problems.push(`<${parent.name}> cannot have child elements (found <${element.name}>)`);
      else if (!allowed.includes(element.name)) problems.push(`<${element.name}> is not a child element of <${parent.name}>`);
    }
  }
  return problems;
}
