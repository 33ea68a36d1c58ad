import { existsSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callStringArguments, declarations, objectProperties, parseBicep, syntaxErrors, undeclaredIdentifiers } from './support/bicep-syntax.js';
import { loadBicepFiles, type ParsedBicepFile } from './support/infra-model.js';
import { listFiles, readRepoFile, repoRoot } from './support/repo-files.js';

const files = await loadBicepFiles();
const byPath = new Map(files.map((file) => [file.path, file]));

/** Problems with the module calls of one file: missing file, unknown params, required params not passed. */
function moduleCallProblems(file: ParsedBicepFile, resolve: (path: string) => ParsedBicepFile | undefined): string[] {
  const problems: string[] = [];
  for (const module of declarations(file.tree).modules) {
    const target = posix.join(posix.dirname(file.path), module.path);
    const callee = resolve(target);
    if (!callee) {
      problems.push(`${module.symbol}: module file ${target} does not exist`);
      continue;
    }
    const declared = declarations(callee.tree).params;
    const passed = objectProperties(objectProperties(module.body).get('params'));
    for (const name of passed.keys()) if (!declared.has(name)) problems.push(`${module.symbol}: ${target} declares no param '${name}'`);
    for (const [name, param] of declared) if (!param.hasDefault && !passed.has(name)) problems.push(`${module.symbol}: required param '${name}' of ${target} is not passed`);
  }
  return problems;
}

describe('Bicep syntax (tree-sitter-bicep)', () => {
  it('finds main.bicep and one module per concern', () => {
    expect(byPath.has('infra/main.bicep')).toBe(true);
    for (const concern of ['network', 'app-gateway', 'apim', 'apim-config', 'key-vault', 'event-hubs', 'health-data', 'container-apps', 'redis', 'role-assignments', 'monitoring', 'alerts']) {
      expect(byPath.has(`infra/modules/${concern}.bicep`), concern).toBe(true);
    }
  });

  it.each(files.map((file) => file.path))('%s parses with no ERROR or MISSING node', (path) => {
    expect(syntaxErrors(byPath.get(path)!.tree)).toEqual([]);
  });

  it.each(files.map((file) => file.path))('%s uses no undeclared identifier', (path) => {
    expect(undeclaredIdentifiers(byPath.get(path)!.tree)).toEqual([]);
  });

  it('reports syntax errors and undeclared identifiers (negative cases)', async () => {
    expect(syntaxErrors(await parseBicep("param location string =\nresource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'kv'\n"))).not.toEqual([]);
    const typo = await parseBicep("param location string\nresource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'kv'\n  location: locaton\n}\n");
    expect(syntaxErrors(typo)).toEqual([]);
    expect(undeclaredIdentifiers(typo)).toEqual(['4: locaton']);
  });
});

describe('Bicep references resolve', () => {
  it.each(files.map((file) => file.path))('every loadTextContent path of %s exists', (path) => {
    const file = byPath.get(path)!;
    for (const target of callStringArguments(file.tree, 'loadTextContent')) {
      expect(existsSync(join(repoRoot, dirname(path), target)), target).toBe(true);
    }
  });

  it('a loadTextContent path that does not exist is caught (negative case)', async () => {
    const tree = await parseBicep("var policy = loadTextContent('../../apim/policies/missing.xml')\n");
    const [target] = callStringArguments(tree, 'loadTextContent');
    expect(existsSync(join(repoRoot, 'infra/modules', target!))).toBe(false);
  });

  it.each(files.map((file) => file.path))('every module of %s exists, receives only declared params and all required ones', (path) => {
    expect(moduleCallProblems(byPath.get(path)!, (target) => byPath.get(target))).toEqual([]);
  });

  it('a module call with an unknown param, a missing required param or a missing file is caught (negative case)', async () => {
    const caller = { path: 'infra/main.bicep', source: '', tree: await parseBicep(
      "module kv 'modules/key-vault.bicep' = {\n  name: 'kv'\n  params: {\n    location: 'x'\n    colour: 'blue'\n  }\n}\nmodule gone 'modules/nope.bicep' = {\n  name: 'gone'\n}\n") };
    const problems = moduleCallProblems(caller, (target) => byPath.get(target));
    expect(problems).toContain("kv: infra/modules/key-vault.bicep declares no param 'colour'");
    expect(problems).toContain("kv: required param 'name' of infra/modules/key-vault.bicep is not passed");
    expect(problems).toContain('gone: module file infra/modules/nope.bicep does not exist');
  });
});

describe('environment parameter files', () => {
  const main = declarations(byPath.get('infra/main.bicep')!.tree).params;
  const parameterFiles = listFiles('infra/parameters', '.parameters.json');

  /** Problems of one parameters file against main.bicep. Secure params are passed on the command line, never in a file. */
  function parameterFileProblems(json: string): string[] {
    const values = (JSON.parse(json) as { parameters: Record<string, unknown> }).parameters;
    const problems: string[] = [];
    for (const name of Object.keys(values)) if (!main.has(name)) problems.push(`'${name}' is not a param of main.bicep`);
    for (const [name, param] of main) {
      if (param.secure && name in values) problems.push(`secure param '${name}' must not be stored in a parameters file`);
      if (!param.hasDefault && !param.secure && !(name in values)) problems.push(`required param '${name}' is missing`);
    }
    return problems;
  }

  it('there is one per environment (dev, prod)', () => {
    expect(parameterFiles).toEqual(['infra/parameters/dev.parameters.json', 'infra/parameters/prod.parameters.json']);
  });

  it.each(parameterFiles)('%s sets only params main.bicep declares, all required ones, and no secret', (path) => {
    expect(parameterFileProblems(readRepoFile(path))).toEqual([]);
  });

  it('an unknown param, a stored secret and a missing required param are caught (negative case)', () => {
    const problems = parameterFileProblems(JSON.stringify({ parameters: { locaton: { value: 'x' }, gatewaySharedSecret: { value: 's' } } }));
    expect(problems).toContain("'locaton' is not a param of main.bicep");
    expect(problems).toContain("secure param 'gatewaySharedSecret' must not be stored in a parameters file");
    expect(problems).toContain("required param 'publicBaseUrl' is missing");
  });
});
