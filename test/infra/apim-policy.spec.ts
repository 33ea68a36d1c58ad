import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyDocument, findElements, namedValueReferences, parsePolicyXml, type PolicyKind } from './support/apim-policy.checker.js';
import { callStringArguments } from './support/bicep-syntax.js';
import { loadBicepFiles, resourceNames, varArrayObjects } from './support/infra-model.js';
import { listFiles, readRepoFile } from './support/repo-files.js';
import { stringLiteral } from './support/bicep-syntax.js';

const xmlFiles = listFiles('apim', '.xml');
const kindOf = (path: string): PolicyKind =>
  path.startsWith('apim/fragments/') ? 'fragment' : basename(path) === 'global.xml' ? 'global' : 'scoped';

describe('APIM policy documents', () => {
  it('exist for every scope: global, products, API, operations, fragments', () => {
    expect(xmlFiles).toContain('apim/policies/global.xml');
    expect(xmlFiles.filter((f) => f.startsWith('apim/policies/products/')).length).toBe(3);
    expect(xmlFiles.filter((f) => f.startsWith('apim/policies/apis/')).length).toBeGreaterThan(0);
    expect(xmlFiles.filter((f) => f.startsWith('apim/policies/operations/')).length).toBeGreaterThan(0);
    expect(xmlFiles.filter((f) => f.startsWith('apim/fragments/')).length).toBeGreaterThan(5);
  });

  it.each(xmlFiles)('%s is well-formed, keeps <base /> where it inherits and uses only APIM policies', (path) => {
    expect(checkPolicyDocument(readRepoFile(path), kindOf(path))).toEqual([]);
  });

  describe('the checker catches bad documents', () => {
    const scoped = (inbound: string): string =>
      `<policies><inbound>${inbound}</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

    it('rejects XML that is not well-formed (unescaped quote in an attribute, as in the seed)', () => {
      const bad = scoped('<base /><choose><when condition="@(context.Product.Name == "Premium")"></when></choose>');
      expect(checkPolicyDocument(bad, 'scoped').join()).toMatch(/not well-formed/);
    });

    it('rejects a product or API policy section without <base />', () => {
      expect(checkPolicyDocument(scoped('<rate-limit-by-key calls="1" renewal-period="60" counter-key="x" />'), 'scoped'))
        .toContain('section <inbound> does not keep <base />, so inherited policies would be skipped');
    });

    it('rejects a scoped policy that leaves out a section', () => {
      expect(checkPolicyDocument('<policies><inbound><base /></inbound></policies>', 'scoped').join()).toMatch(/<outbound> is missing/);
    });

    it('rejects an invented policy name and a misplaced child element', () => {
      const problems = checkPolicyDocument(scoped('<base /><validate-token header-name="Authorization" /><cors><origin>x</origin></cors>'), 'scoped');
      expect(problems).toContain('<validate-token> (in <inbound>) is not an APIM policy');
      expect(problems).toContain('<origin> is not a child element of <cors>');
    });

    it('rejects <base /> inside a fragment', () => {
      expect(checkPolicyDocument('<fragment><base /></fragment>', 'fragment')).toContain('<base> is not allowed in a fragment');
    });
  });
});

describe('APIM references resolve', () => {
  it('every {{named-value}} used in apim/ is defined in the Bicep, and every defined one is used', async () => {
    const defined = resourceNames(await loadBicepFiles(), 'Microsoft.ApiManagement/service/namedValues');
    const used = new Set(xmlFiles.flatMap((path) => namedValueReferences(readRepoFile(path))));
    expect([...used].filter((name) => !defined.has(name))).toEqual([]);
    expect([...defined].filter((name) => !used.has(name))).toEqual([]);
    expect(defined).toContain('gateway-shared-secret');
  });

  it('a named value missing from the Bicep is reported (negative case)', async () => {
    const defined = resourceNames(await loadBicepFiles(), 'Microsoft.ApiManagement/service/namedValues');
    const used = namedValueReferences('<fragment><set-header name="x" exists-action="override"><value>{{not-defined-anywhere}}</value></set-header></fragment>');
    expect(used.filter((name) => !defined.has(name))).toEqual(['not-defined-anywhere']);
  });

  it('every included fragment exists as apim/fragments/<id>.xml and is registered in Bicep under the same id', async () => {
    const files = await loadBicepFiles();
    const config = files.find((f) => f.path === 'infra/modules/apim-config.bicep')!;
    const registered = new Map(varArrayObjects(config, 'fragments').map((fragment) => [
      stringLiteral(fragment.get('id')) ?? '',
      fragment.get('xml')?.text ?? '',
    ]));
    const included = xmlFiles.flatMap((path) => findElements(parsePolicyXml(readRepoFile(path)), 'include-fragment').map((e) => e.attributes['fragment-id']!));
    for (const id of new Set(included)) {
      expect(xmlFiles, `fragment file for ${id}`).toContain(`apim/fragments/${id}.xml`);
      expect(registered.get(id), `Bicep registration of ${id}`).toContain(`'../../apim/fragments/${id}.xml'`);
    }
    const fragmentFiles = xmlFiles.filter((f) => f.startsWith('apim/fragments/')).map((f) => basename(f, '.xml'));
    expect([...registered.keys()].sort()).toEqual(fragmentFiles.sort());
    expect(fragmentFiles.filter((id) => !included.includes(id))).toEqual([]);
  });

  it('every set-backend-service backend-id is a backend resource in Bicep', async () => {
    const backends = resourceNames(await loadBicepFiles(), 'Microsoft.ApiManagement/service/backends');
    const referenced = xmlFiles.flatMap((path) => findElements(parsePolicyXml(readRepoFile(path)), 'set-backend-service').map((e) => e.attributes['backend-id']));
    expect(referenced.length).toBeGreaterThan(0);
    for (const id of referenced) expect(backends).toContain(id);
    expect(backends.has('backend-that-does-not-exist')).toBe(false);
  });

  it('every log-to-eventhub logger-id is a logger resource in Bicep', async () => {
    const loggers = resourceNames(await loadBicepFiles(), 'Microsoft.ApiManagement/service/loggers');
    const referenced = xmlFiles.flatMap((path) => findElements(parsePolicyXml(readRepoFile(path)), 'log-to-eventhub').map((e) => e.attributes['logger-id']));
    expect(referenced.length).toBeGreaterThan(0);
    for (const id of referenced) expect(loggers).toContain(id);
  });

  it('every policy XML file is loaded by the Bicep (nothing under apim/ is dead)', async () => {
    const loaded = new Set((await loadBicepFiles()).flatMap((file) => callStringArguments(file.tree, 'loadTextContent')).map((p) => p.replace('../../', '')));
    expect(xmlFiles.filter((path) => !loaded.has(path))).toEqual([]);
  });
});
