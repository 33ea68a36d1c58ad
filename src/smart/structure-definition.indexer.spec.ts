import { getAllDataTypes, getSearchParameters, parseStructureDefinition, tryGetProfile, validateResource } from '@medplum/core';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { STRUCTURE_DEFINITION_FILES, trimmedDefinitions } from './fhir-definitions.js';
import { indexStructureDefinitions } from './structure-definition.indexer.js';

/** A schema as comparable JSON: Sets as arrays, the back link to the enclosing type by name (it is circular). */
const comparable = (schema: unknown) => JSON.parse(JSON.stringify(schema, (k, v: unknown) => (k === 'parentType' ? (v as { name?: string } | undefined)?.name : v instanceof Set ? [...v] : v)));

/** Medplum's parse of one definition, with the link to the enclosing type that registering a schema adds. */
function parsed(sd: StructureDefinition): unknown {
  const schema = parseStructureDefinition(sd);
  for (const inner of schema.innerTypes) inner.parentType = schema;
  return comparable(schema);
}

// A profile carrying fixed and pattern values (the R4 base definitions carry none), so that the narrowed
// ElementDefinition is exercised with types that must survive the narrowing.
function profileWithValues(patient: StructureDefinition): StructureDefinition {
  const url = 'http://fhir-facade.example.org/StructureDefinition/test-patient-with-values';
  return {
    ...patient,
    url,
    name: 'TestPatientWithValues',
    snapshot: {
      element: patient.snapshot!.element!.map((e) => {
        if (e.path === 'Patient.gender') return { ...e, fixedCode: 'unknown' };
        if (e.path === 'Patient.maritalStatus') return { ...e, patternCodeableConcept: { coding: [{ system: 'http://example.org', code: 'M' }] } };
        if (e.path === 'Patient.active') return { ...e, fixedBoolean: true };
        return e;
      }),
    },
  };
}

describe('indexStructureDefinitions (R4 base definitions, trimmed, plus a profile with fixed and pattern values)', () => {
  const definitions: StructureDefinition[] = STRUCTURE_DEFINITION_FILES.flatMap((file) => trimmedDefinitions(file).entry!.map((e) => e.resource!));
  const profile = profileWithValues(definitions.find((sd) => sd.url === 'http://hl7.org/fhir/StructureDefinition/Patient')!);

  beforeAll(() => indexStructureDefinitions([...definitions, profile]));

  it("registers for every definition exactly the schema Medplum's own parse gives, by URL and by type name", () => {
    for (const sd of definitions) {
      const expected = parsed(sd); // with the complete ElementDefinition schema indexed
      expect(comparable(tryGetProfile(sd.url)), sd.url).toEqual(expected);
      if (sd.url === `http://hl7.org/fhir/StructureDefinition/${sd.type}`) expect(comparable(getAllDataTypes()[sd.type]), sd.type).toEqual(expected);
    }
    expect(definitions.length).toBeGreaterThan(190);
  });

  it('keeps fixed and pattern values, whatever their type', () => {
    const schema = tryGetProfile(profile.url)!;
    expect(comparable(schema)).toEqual(parsed(profile));
    expect(schema.elements['gender']!.fixed).toEqual({ type: 'code', value: 'unknown' });
    expect(schema.elements['active']!.fixed).toEqual({ type: 'boolean', value: true });
    expect(schema.elements['maritalStatus']!.pattern).toEqual({ type: 'CodeableConcept', value: { coding: [{ system: 'http://example.org', code: 'M' }] } });
    expect(() => validateResource({ resourceType: 'Patient', gender: 'male' } as Resource, { profile })).toThrow(/fixed|gender/i);
    expect(() => validateResource({ resourceType: 'Patient', gender: 'unknown', active: true } as Resource, { profile })).not.toThrow();
  });

  it('leaves the complete ElementDefinition schema in place, not the narrowed one used while indexing', () => {
    const fixed = getAllDataTypes()['ElementDefinition']!.elements['fixed[x]']!;
    expect(fixed.type.length).toBeGreaterThan(40);
    expect(fixed.type.map((t) => t.code)).toEqual(expect.arrayContaining(['base64Binary', 'CodeableConcept', 'uri', 'Dosage']));
  });

  it('indexes the default search parameters of each resource type, as the bundle indexing does', () => {
    expect(getSearchParameters('Observation')?.['_id']).toBeDefined();
    expect(getSearchParameters('Patient')?.['_lastUpdated']).toBeDefined();
  });
});
