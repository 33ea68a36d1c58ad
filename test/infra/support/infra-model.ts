import type { Node, Tree } from 'web-tree-sitter';
import { declarations, objectProperties, parseBicep, stringLiteral } from './bicep-syntax.js';
import { listFiles, readRepoFile } from './repo-files.js';

export interface ParsedBicepFile {
  path: string;
  source: string;
  tree: Tree;
}

/** Every .bicep file of infra/, parsed. */
export async function loadBicepFiles(): Promise<ParsedBicepFile[]> {
  const paths = listFiles('infra', '.bicep');
  return Promise.all(paths.map(async (path) => {
    const source = readRepoFile(path);
    return { path, source, tree: await parseBicep(source) };
  }));
}

/**
 * Names of resources of `resourceType` (e.g. Microsoft.ApiManagement/service/namedValues), across files.
 * A literal name is taken as is; `name: x.name` inside `for x in someVar` takes every literal `name` of the
 * objects in `var someVar = [...]`.
 */
export function resourceNames(files: ParsedBicepFile[], resourceType: string): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const declared = declarations(file.tree);
    for (const resource of declared.resources) {
      if (resource.type.split('@')[0] !== resourceType || resource.existing) continue;
      const nameNode = objectProperties(resource.body).get('name');
      const literal = stringLiteral(nameNode);
      if (literal !== undefined) {
        names.add(literal);
        continue;
      }
      for (const name of namesFromLoop(resource.node, nameNode, declared.vars)) names.add(name);
    }
  }
  return names;
}

function namesFromLoop(resourceNode: Node, nameNode: Node | undefined, vars: Map<string, Node>): string[] {
  const loop = resourceNode.namedChildren.find((child) => child?.type === 'for_statement');
  if (!loop || !nameNode || nameNode.type !== 'member_expression') return [];
  const property = nameNode.childForFieldName('property')?.text;
  // `for x in source:` has the loop variable in the initializer field; `for (x, i) in source:` in for_loop_parameters.
  const initializer = loop.childForFieldName('initializer');
  const source = loop.namedChildren.find((child) => child?.type === 'identifier' && child.id !== initializer?.id)?.text;
  const array = source ? vars.get(source) : undefined;
  if (!property || !array || array.type !== 'array') return [];
  return array.namedChildren
    .map((item) => stringLiteral(objectProperties(item).get(property)))
    .filter((name): name is string => name !== undefined);
}

/** Objects of `var name = [ {...}, ... ]`, as maps of their properties. */
export function varArrayObjects(file: ParsedBicepFile, name: string): Map<string, Node>[] {
  const array = declarations(file.tree).vars.get(name);
  if (!array || array.type !== 'array') return [];
  return array.namedChildren.filter((item): item is Node => item?.type === 'object').map((item) => objectProperties(item));
}
