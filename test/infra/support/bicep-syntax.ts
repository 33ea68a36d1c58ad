import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

const require = createRequire(import.meta.url);
let parserPromise: Promise<Parser> | undefined;

/** The Bicep grammar (tree-sitter-bicep's WASM build, run by web-tree-sitter: no native binding). */
export function bicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const language = await Language.load(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

export async function parseBicep(source: string): Promise<Tree> {
  const tree = (await bicepParser()).parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** ERROR and MISSING nodes, as "line:column text". */
export function syntaxErrors(tree: Tree): string[] {
  const errors: string[] = [];
  const visit = (node: Node): void => {
    if (node.type === 'ERROR' || node.isMissing) {
      errors.push(`${node.startPosition.row + 1}:${node.startPosition.column + 1} ${node.isMissing ? 'missing ' : ''}${node.type} ${node.text.slice(0, 60)}`);
    }
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  return errors;
}

export function descendants(node: Node, type: string): Node[] {
  return node.descendantsOfType(type).filter((n): n is Node => n !== null);
}

function namedChildren(node: Node): Node[] {
  return node.namedChildren.filter((n): n is Node => n !== null);
}

/** Text of a string literal without interpolation, else undefined. */
export function stringLiteral(node: Node | null | undefined): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  const parts = namedChildren(node);
  if (parts.some((part) => part.type !== 'string_content' && part.type !== 'escape_sequence')) return undefined;
  return parts.map((part) => part.text).join('');
}

/** Properties of an object literal, by key (identifier or quoted key). */
export function objectProperties(object: Node | null | undefined): Map<string, Node> {
  const properties = new Map<string, Node>();
  if (!object || object.type !== 'object') return properties;
  for (const property of namedChildren(object)) {
    if (property.type !== 'object_property') continue;
    const [key, value] = namedChildren(property);
    if (!key || !value) continue;
    const name = key.type === 'string' ? stringLiteral(key) : key.text;
    if (name !== undefined) properties.set(name, value);
  }
  return properties;
}

/** The object a declaration assigns, looking through `if (...)` and `for ... :` wrappers. */
export function declaredBody(node: Node | undefined): Node | undefined {
  let current = node;
  while (current && current.type !== 'object') {
    if (current.type === 'for_statement') current = current.childForFieldName('body') ?? namedChildren(current).at(-1);
    else if (current.type === 'if_statement') current = namedChildren(current).at(-1);
    else return undefined;
  }
  return current;
}

export interface BicepDeclarations {
  params: Map<string, { hasDefault: boolean; secure: boolean; node: Node }>;
  vars: Map<string, Node>;
  resources: { symbol: string; type: string; body: Node | undefined; existing: boolean; node: Node }[];
  modules: { symbol: string; path: string; body: Node | undefined; node: Node }[];
  outputs: Set<string>;
}

/** Top-level declarations of a Bicep file. */
export function declarations(tree: Tree): BicepDeclarations {
  const result: BicepDeclarations = { params: new Map(), vars: new Map(), resources: [], modules: [], outputs: new Set() };
  let decorators: string[] = [];
  for (const node of namedChildren(tree.rootNode)) {
    const children = namedChildren(node);
    const symbol = children[0]?.text ?? '';
    switch (node.type) {
      case 'decorators':
        decorators = descendants(node, 'call_expression').map((call) => call.childForFieldName('function')?.text ?? '');
        continue;
      case 'parameter_declaration':
        result.params.set(symbol, { hasDefault: node.children.some((c) => c?.type === '='), secure: decorators.includes('secure'), node });
        break;
      case 'variable_declaration':
        result.vars.set(symbol, children[1]!);
        break;
      case 'resource_declaration':
        result.resources.push({
          symbol,
          type: stringLiteral(children[1]) ?? '',
          body: declaredBody(children.at(-1)),
          existing: node.children.some((c) => c?.type === 'existing'),
          node,
        });
        break;
      case 'module_declaration':
        result.modules.push({ symbol, path: stringLiteral(children[1]) ?? '', body: declaredBody(children.at(-1)), node });
        break;
      case 'output_declaration':
        result.outputs.add(symbol);
        break;
      default:
        break;
    }
    decorators = [];
  }
  return result;
}

/** First string arguments of every call to `functionName` (e.g. loadTextContent). */
export function callStringArguments(tree: Tree, functionName: string): string[] {
  return descendants(tree.rootNode, 'call_expression')
    .filter((call) => call.childForFieldName('function')?.text === functionName)
    .map((call) => stringLiteral(namedChildren(call.childForFieldName('arguments') ?? call).find((n) => n.type === 'string')) ?? '<non-literal>');
}

/**
 * Identifiers used in expressions that name nothing declared in the file (param, var, resource, module,
 * loop variable, lambda parameter). Object keys, declaration names and function names are not references.
 */
export function undeclaredIdentifiers(tree: Tree): string[] {
  const declared = declarations(tree);
  const known = new Set<string>([
    ...declared.params.keys(),
    ...declared.vars.keys(),
    ...declared.resources.map((r) => r.symbol),
    ...declared.modules.map((m) => m.symbol),
  ]);
  for (const node of [...descendants(tree.rootNode, 'loop_variable'), ...descendants(tree.rootNode, 'loop_enumerator')]) known.add(node.text);
  for (const loop of descendants(tree.rootNode, 'for_statement')) {
    const initializer = loop.childForFieldName('initializer');
    if (initializer) known.add(initializer.text);
  }
  for (const lambda of descendants(tree.rootNode, 'lambda_expression')) {
    const first = namedChildren(lambda)[0];
    if (first) for (const id of first.type === 'identifier' ? [first] : descendants(first, 'identifier')) known.add(id.text);
  }
  const unknown = new Set<string>();
  for (const identifier of descendants(tree.rootNode, 'identifier')) {
    const parent = identifier.parent;
    if (!parent) continue;
    const isDeclarationName = parent.type.endsWith('_declaration') && namedChildren(parent)[0]?.id === identifier.id;
    const isObjectKey = parent.type === 'object_property' && namedChildren(parent)[0]?.id === identifier.id;
    const isFunctionName = parent.type === 'call_expression' && parent.childForFieldName('function')?.id === identifier.id;
    const isType = parent.type === 'type' || parent.type.endsWith('_type');
    if (isDeclarationName || isObjectKey || isFunctionName || isType) continue;
    if (!known.has(identifier.text)) unknown.add(`${identifier.startPosition.row + 1}: ${identifier.text}`);
  }
  return [...unknown];
}
