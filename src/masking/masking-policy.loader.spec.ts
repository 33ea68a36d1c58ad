import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileMaskingPolicy, defaultPolicyLocations, loadMaskingPolicy, MaskingPolicyError } from './masking-policy.loader.js';

const base = { version: 1, firstPartyClients: ['portal'], redactionToken: '[REDACTED]', dataClasses: {}, extensions: [] };
const rule = (over: Record<string, unknown>) => ({ id: 'r1', selector: 'identifier', method: 'redact', ...over });
const compile = (over: Record<string, unknown>) => () => compileMaskingPolicy({ ...base, ...over });

describe('masking policy loader', () => {
  it('loads the default versioned policy and compiles every rule in order', () => {
    const policy = loadMaskingPolicy();
    expect(policy.version).toBe(1);
    expect(policy.rules.map((r) => r.id)).toEqual([
      'ssn-remove-third-party',
      'ssn-full-for-ssn-read',
      'ssn-remove-system',
      'ssn-last4-patient-practitioner',
      'ssn-remove-default',
    ]);
    expect(policy.rules.every((r) => typeof r.evaluate === 'function')).toBe(true);
    expect(policy.dataClasses.get('ssn')?.identifierSystems.has('http://hl7.org/fhir/sid/us-ssn')).toBe(true);
  });

  it('finds the policy under src/masking/policies from the source tree and from dist/src/masking', () => {
    const [besideModule, fromDist] = defaultPolicyLocations();
    expect(fileURLToPath(besideModule!)).toMatch(/src\/masking\/policies\/masking-policy\.v1\.json$/);
    // From dist/src/masking/, ../../../ is the project root.
    const simulated = new URL('../../../src/masking/policies/masking-policy.v1.json', new URL('file:///app/dist/src/masking/x.js'));
    expect(simulated.pathname).toBe('/app/src/masking/policies/masking-policy.v1.json');
    expect(fromDist).toBeInstanceOf(URL);
  });

  it('loads a policy from an explicit path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'masking-'));
    const file = join(dir, 'p.json');
    writeFileSync(file, JSON.stringify({ ...base, rules: [rule({ id: 'only-rule' })] }));
    expect(loadMaskingPolicy({ path: file }).rules.map((r) => r.id)).toEqual(['only-rule']);
  });

  it('stops the load with a message naming the rule whose selector does not parse', () => {
    const load = compile({ rules: [rule({ id: 'ok' }), rule({ id: 'broken-ssn-rule', selector: "identifier.where(system = 'x'" })] });
    expect(load).toThrow(MaskingPolicyError);
    expect(load).toThrow(/rule "broken-ssn-rule": selector does not compile/);
  });

  it('stops the load when a selector calls a function FHIRPath does not have', () => {
    expect(compile({ rules: [rule({ id: 'typo', selector: 'identifier.wher(system = 1)' })] })).toThrow(
      /rule "typo": selector does not compile: unknown FHIRPath function\(s\): wher/,
    );
    expect(compile({ rules: [rule({ id: 'nested', selector: 'identifier.where(system.startsWit(1))' })] })).toThrow(/rule "nested".*startsWit/);
  });

  it('accepts selectors built from real FHIRPath functions', () => {
    const selector = "descendants().ofType(Identifier).where(system.startsWith('urn') and value.exists()).first()";
    expect(compile({ rules: [rule({ selector })] })).not.toThrow();
  });

  it('stops the load on an unknown method, naming the rule', () => {
    expect(compile({ rules: [rule({ id: 'weird', method: 'encrypt' })] })).toThrow(/rule "weird": unknown method "encrypt"/);
  });

  it('rejects substitute without a value, unknown data classes, bad caller kinds and duplicate ids', () => {
    expect(compile({ rules: [rule({ id: 's', method: 'substitute' })] })).toThrow(/rule "s": method "substitute" needs a "value"/);
    expect(compile({ rules: [rule({ id: 'c', dataClass: 'passport' })] })).toThrow(/rule "c": unknown data class "passport"/);
    expect(compile({ rules: [rule({ id: 'k', appliesTo: { kinds: ['admin'] } })] })).toThrow(/rule "k": unknown caller kind "admin"/);
    expect(compile({ rules: [rule({ id: 'e', appliesTo: { roles: [] } })] })).toThrow(/rule "e": "appliesTo.roles" must be a non-empty/);
    expect(compile({ rules: [rule({ id: 'd' }), rule({ id: 'd' })] })).toThrow(/rule "d": duplicate rule id/);
  });

  it('rejects an unsupported version, a missing rule list and a bad text pattern', () => {
    expect(compile({ version: 2, rules: [] })).toThrow(/version: unsupported version 2/);
    expect(compile({ rules: undefined })).toThrow(/rules: must be a list/);
    expect(compile({ rules: [], dataClasses: { ssn: { textPatterns: ['([0-9]'] } } })).toThrow(/data class "ssn": text pattern does not compile/);
  });

  it('rejects extension rules without urls or with an unknown action', () => {
    expect(compile({ rules: [], extensions: [{ id: 'x', urls: [], action: 'remove' }] })).toThrow(/extension rule "x": "urls"/);
    expect(compile({ rules: [], extensions: [{ id: 'y', urls: ['*'], action: 'drop' }] })).toThrow(/extension rule "y": "action"/);
  });

  it('the shipped policy file is valid JSON with "version": 1', () => {
    const [file] = defaultPolicyLocations();
    expect(JSON.parse(readFileSync(file!, 'utf8')).version).toBe(1);
  });
});
