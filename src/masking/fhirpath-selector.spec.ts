import { describe, expect, it } from 'vitest';
import { compileSelector, mayMatch } from './fhirpath-selector.js';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const DEFAULT = `identifier.where(system = '${SSN}' or type.coding.where(system = '${V2}' and code = 'SB').exists())`;

/** Deterministic pseudo-random identifiers of every shape the criteria distinguishes. */
function* identifiers(count: number) {
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const systems = [SSN, 'urn:mrn', undefined, 'http://example.org/ssn'];
  const codes = ['SB', 'MR', 'DL', undefined];
  const codeSystems = [V2, 'http://other.example/cs', undefined];
  for (let i = 0; i < count; i++) {
    const system = systems[Math.floor(next() * systems.length)];
    const code = codes[Math.floor(next() * codes.length)];
    const codeSystem = codeSystems[Math.floor(next() * codeSystems.length)];
    // Few distinct values, so differently shaped identifiers share a value and a wrong cache key shows.
    const identifier: Record<string, unknown> = { value: String(Math.floor(next() * 3)) };
    if (system) identifier.system = system;
    if (code || codeSystem) identifier.type = { coding: [{ system: codeSystem, code }, ...(next() < 0.3 ? [{ code: 'X' }] : [])] };
    yield identifier;
  }
}

describe('FHIRPath selector fast paths agree with full evaluation', () => {
  it('the element criteria (with its cache) selects exactly the identifiers the full selector selects', () => {
    const selector = compileSelector(DEFAULT);
    expect(selector.elementCriteria).toBeDefined();
    for (const identifier of identifiers(2000)) {
      const patient = { resourceType: 'Patient', identifier: [identifier] };
      const full = selector.evaluate(patient).length === 1;
      expect(selector.elementCriteria!('Patient', identifier), JSON.stringify(identifier)).toBe(full);
    }
  });

  it('a criteria that reads the value is cached by the value too', () => {
    const selector = compileSelector("identifier.where(value.startsWith('9'))");
    expect(selector.elementCriteria!('Patient', { value: '91' })).toBe(true);
    expect(selector.elementCriteria!('Patient', { value: '19' })).toBe(false);
  });

  it('no fast path when the criteria looks beyond the element', () => {
    expect(compileSelector("identifier.where(%resource.active = true)").elementCriteria).toBeUndefined();
    expect(compileSelector('identifier.where($index = 0)').elementCriteria).toBeUndefined();
    expect(compileSelector('identifier | name').elementCriteria).toBeUndefined();
    expect(compileSelector('identifier.where(system = 1).value').elementCriteria).toBeUndefined();
  });

  it('the anchor pre-filter skips only resources the selector cannot match', () => {
    const { anchor } = compileSelector('Patient.telecom.where(system = "email")'.replaceAll('"', "'"));
    expect(anchor).toEqual({ resourceType: 'Patient', member: 'telecom' });
    expect(mayMatch(anchor, { resourceType: 'Patient', telecom: [] })).toBe(true);
    expect(mayMatch(anchor, { resourceType: 'Patient', _telecom: [] })).toBe(true);
    expect(mayMatch(anchor, { resourceType: 'Patient', name: [] })).toBe(false);
    expect(mayMatch(anchor, { resourceType: 'Practitioner', telecom: [] })).toBe(false);
    expect(mayMatch(compileSelector('value').anchor, { resourceType: 'Observation', valueString: 'x' })).toBe(true);
    expect(compileSelector('descendants().ofType(Identifier)').anchor).toBeUndefined();
  });
});
