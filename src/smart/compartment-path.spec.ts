import {
  evalFhirPathTyped,
  FhirPathAtom,
  getElementDefinition,
  getExpressionsForResourceType,
  getSearchParameter,
  toTypedValue,
  tryGetDataType,
  type Atom,
} from '@medplum/core';
import type { Reference, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateEmrData } from '../sandbox/emr-sandbox.data.js';
import { generateSyntheticData } from '../sandbox/synthetic-data.generator.js';
import { compilePropertyPath, referencesAlong, type PropertyPath } from './compartment-path.js';
import { ensureSearchParameters, ensureStructureDefinitions } from './fhir-definitions.js';
import {
  compartmentParams,
  compartmentPatientIds,
  hasPathFastPath,
  patientCompartmentTypes,
  patientIdFromReference,
} from './patient-compartment.js';

ensureSearchParameters();

/** The compartment expressions of a type, exactly as the FHIRPath evaluation selects them. */
function atomsOf(type: string): { code: string; atom: Atom }[] {
  const out: { code: string; atom: Atom }[] = [];
  for (const code of compartmentParams(type)) {
    const param = getSearchParameter(type, code);
    if (!param?.expression) continue;
    for (const atom of getExpressionsForResourceType(type, param.expression)) out.push({ code, atom });
  }
  return out;
}

/** The reference semantics: the FHIRPath engine over the compartment expressions (the code before the fast path). */
function fhirPathIds(resource: Resource): readonly string[] {
  if (resource.resourceType === 'Patient') return resource.id ? [resource.id] : [];
  const ids = new Set<string>();
  const input = [toTypedValue(resource)];
  for (const { code, atom } of atomsOf(resource.resourceType)) {
    for (const found of evalFhirPathTyped(new FhirPathAtom(`${resource.resourceType}:${code}`, atom), input)) {
      const id = patientIdFromReference((found.value as Reference | undefined)?.reference);
      if (id) ids.add(id);
    }
  }
  return [...ids];
}

/** The fast path alone, over paths compiled from the same expressions: `undefined` when it bails out (or the type has none). */
function fastPathIds(resource: Resource): readonly string[] | undefined {
  const paths = atomsOf(resource.resourceType).map(({ atom }) => compilePropertyPath(resource.resourceType, atom));
  if (!paths.length || paths.some((p) => !p)) return undefined;
  const references = referencesAlong(resource, paths as PropertyPath[]);
  if (!references) return undefined;
  return [...new Set(references.map(patientIdFromReference).filter((id): id is string => !!id))];
}

type Outcome = { ids: readonly string[] } | { throws: true };
function outcome(evaluate: (r: Resource) => readonly string[], resource: Resource): Outcome {
  try {
    return { ids: evaluate(structuredClone(resource)) }; // a copy each: the engine may write primitive extensions into its input
  } catch {
    return { throws: true };
  }
}

/** The property names each compartment expression of a type walks (`.where(...)` forms included), to build data with. */
function walkedPaths(type: string): string[][] {
  const seen = new Map<string, string[]>();
  for (const { atom } of atomsOf(type)) {
    const match = new RegExp(`^${type}((?:\\.[a-z][A-Za-z0-9]*)+)(?:\\.where\\(.*\\))?$`).exec(atom.toString());
    if (!match) throw new Error(`unexpected compartment expression ${atom.toString()}`);
    seen.set(match[1]!, match[1]!.slice(1).split('.'));
  }
  return [...seen.values()];
}

type Shape = 'single' | 'array';
/** Puts `leaf` at `path` below `root`, intermediate nodes as single objects or one-element arrays (reusing existing ones). */
function put(root: Record<string, unknown>, path: readonly string[], leaf: unknown, shape: Shape, extra: Record<string, unknown> = {}): void {
  let node = root;
  path.slice(0, -1).forEach((name) => {
    let next = node[name] as Record<string, unknown> | Record<string, unknown>[] | undefined;
    if (!next) node[name] = next = shape === 'array' ? [{ ...extra }] : { ...extra };
    node = Array.isArray(next) ? next[0]! : next;
  });
  node[path[path.length - 1]!] = leaf;
}

const ref = (reference: unknown, more: Record<string, unknown> = {}) => ({ reference, ...more });

interface Case {
  readonly name: string;
  readonly resource: Resource;
  /** The fast path must not answer this one (the FHIRPath fallback decides). */
  readonly mustBail: boolean;
}

/** Named resources of one type: well-formed variations, and the shapes on which the fast path must step aside. */
function casesFor(type: string): Case[] {
  const paths = walkedPaths(type);
  const cases: Case[] = [];
  const make = (
    name: string,
    fill: (root: Record<string, unknown>, path: string[], i: number) => void,
    base: Record<string, unknown> = {},
    mustBail = false,
  ) => {
    const root: Record<string, unknown> = { resourceType: type, id: 'r1', ...structuredClone(base) };
    paths.forEach((path, i) => fill(root, path, i));
    cases.push({ name, resource: root as unknown as Resource, mustBail });
  };
  const BAIL = true;
  make('minimal', () => undefined);
  make('single p1 everywhere', (r, p) => put(r, p, ref('Patient/p1'), 'single'));
  make('a patient per parameter', (r, p, i) => put(r, p, ref(`Patient/p${i + 1}`), 'array'));
  make('arrays of references, patients and others mixed', (r, p, i) =>
    put(r, p, [ref('Practitioner/x'), ref(`Patient/p${(i % 2) + 1}`), ref('Group/g'), ref('Patient/p2')], 'array'),
  );
  make('absolute and versioned references', (r, p, i) =>
    put(r, p, i % 2 ? ref('Patient/p4/_history/2') : [ref('https://x/fhir/Patient/p3'), ref('Patient/p4/_history/2')], 'single'),
  );
  make('non-patient references only', (r, p, i) => put(r, p, ref(['Practitioner/x', 'Group/g', 'RelatedPerson/rp'][i % 3]), 'single'));
  make('nested backbone arrays', (r, p, i) => {
    if (p.length === 1) return put(r, p, [ref('Patient/p1'), ref('Device/d')], 'array');
    const inner = (who: string) => {
      const n: Record<string, unknown> = {};
      put(n, p.slice(1), [ref(who)], 'array');
      return n;
    };
    r[p[0]!] = [inner('Practitioner/x'), inner(`Patient/p${i + 2}`), {}, inner('Patient/p1')];
  });
  const contained = [
    { resourceType: 'Patient', id: 'p1' },
    { resourceType: 'Observation', id: 'o', status: 'final', code: {}, subject: ref('Patient/p9'), performer: [ref('Patient/p9')] },
  ];
  make('a contained Patient referenced locally', (r, p) => put(r, p, ref('#p1'), 'single'), { contained });
  make('empty and null values', (r, p) =>
    put(r, p, [null, {}, ref(''), ref(undefined), ref(null), { display: 'Patient/p1' }, ref('Patient/p2')], 'array'),
  );
  make('a null property', (r, p) => put(r, p, null, 'single'));
  make('empty arrays', (r, p) => put(r, p, [], 'array'));
  make('intermediate primitives', (r, p) => (p.length > 1 ? (r[p[0]!] = ['Patient/p1', 7, null]) : put(r, p, ref('Patient/p1'), 'single')));
  make('intermediates that look like Codings', (r, p) => put(r, p, ref('Patient/p1'), 'array', { code: 'x', coding: [] }));
  make('references with a type, display or identifier', (r, p, i) =>
    put(r, p, [ref('Patient/p1', { type: 'Patient', display: 'x' }), { type: 'Patient', identifier: { system: 's', value: `p${i}` } }], 'single'),
  );
  make('query-style and odd references', (r, p) =>
    put(r, p, ['Patient?identifier=s|v', 'Patient', 'Patient/', 'patient/p1', 'Patient?x=/Patient/p1', ' Patient/p1'].map((x) => ref(x)), 'single'),
  );
  // Shapes on which the engine could differ from plain property access: the fast path must bail out.
  const backbone = paths.some((p) => p.length > 1); // only a path with a backbone step has a node in the middle
  const variant = (p: string[], suffix: string) => [...p.slice(0, -1), `${p[p.length - 1]}${suffix}`];
  make('a choice-typed variant beside the property', (r, p) => {
    put(r, p, ref('Patient/p1'), 'single');
    put(r, variant(p, 'Reference'), ref('Patient/p5'), 'single');
  }, {}, BAIL);
  make('a choice-typed variant instead of the property', (r, p) => put(r, variant(p, 'Reference'), ref('Patient/p5'), 'single'), {}, BAIL);
  make('a variant of a backbone step', (r, p) => {
    put(r, p, ref('Patient/p1'), 'single');
    if (p.length > 1) r[`${p[0]}Reference`] = ref('Patient/p5');
  }, {}, backbone);
  make('a choice-typed value of an element no expression walks', (r, p) => put(r, p, ref('Patient/p2'), 'single'), {
    valueReference: ref('Patient/p5'),
    focusReference: ref('Patient/p6'),
  });
  make('a primitive extension of the property', (r, p) => {
    put(r, p, ref('Patient/p1'), 'single');
    put(r, [...p.slice(0, -1), `_${p[p.length - 1]}`], { id: 'x', extension: [{ url: 'u', valueString: 'v' }] }, 'single');
  }, {}, BAIL);
  make('a primitive extension that rewrites the reference', (r, p) => {
    put(r, p, ref('Patient/p1'), 'single');
    put(r, [...p.slice(0, -1), `_${p[p.length - 1]}`], { reference: 'Patient/p9' }, 'single');
  }, {}, BAIL);
  make('a resource in the middle of a path', (r, p) => put(r, p, ref('Patient/p1'), 'array', { resourceType: p[p.length - 1] }), {}, backbone);
  make('an array inside an array', (r, p) => put(r, p, [[ref('Patient/p1')], ref('Patient/p2')], 'array'), {}, BAIL);
  make('a reference that is not a string', (r, p) => put(r, p, [ref(['Patient/p1']), ref(42)], 'single'), {}, BAIL);
  make('a string where a Reference belongs', (r, p) => put(r, p, ['Patient/p1', ref('Patient/p2')], 'single'), {}, BAIL);
  make('a reference with a resource inside', (r, p) =>
    put(r, p, [ref('Group/g', { resource: { resourceType: 'Patient', id: 'p7' } }), ref('Patient/p1', { resource: { resourceType: 'Group' } })], 'array'),
  );
  make('a reference with its own valueOf', (r, p) => put(r, p, ref('Patient/p1', { valueOf: 1 }), 'single'), {}, BAIL);
  return cases;
}

const fastTypes = () => patientCompartmentTypes().filter((t) => t !== 'Patient' && hasPathFastPath(t));
const realisticData = (): Resource[] => [...generateSyntheticData(), ...generateEmrData('epic'), ...generateEmrData('cerner')];

function equivalenceSuite(): void {
  const compartmentTypes = patientCompartmentTypes().filter((t) => t !== 'Patient');

  it.each(compartmentTypes)('%s: a resource is in exactly the compartments the FHIRPath evaluation places it in', (type) => {
    for (const { name, resource } of casesFor(type)) {
      expect(outcome((r) => compartmentPatientIds(r), resource), `${type}: ${name}`).toEqual(outcome(fhirPathIds, resource));
    }
  });

  it.each(compartmentTypes.filter((t) => hasPathFastPath(t)))(
    '%s: the fast path answers well-formed data alone, and steps aside wherever the FHIRPath evaluation could differ',
    (type) => {
      for (const { name, resource, mustBail } of casesFor(type)) {
        const fast = outcome((r) => fastPathIds(r) ?? ['<bailed out>'], resource);
        if (mustBail) expect(fast, `${type}: ${name} must fall back to FHIRPath`).toEqual({ ids: ['<bailed out>'] });
        else expect(fast, `${type}: ${name}`).toEqual(outcome(fhirPathIds, resource));
      }
    },
  );

  it('the sandbox data sets are placed in the same compartments, and the fast path answers all of its common types alone', () => {
    const data = realisticData();
    let answeredFast = 0;
    for (const resource of data) {
      const expected = outcome(fhirPathIds, resource);
      expect(outcome((r) => compartmentPatientIds(r), resource), `${resource.resourceType}/${resource.id}`).toEqual(expected);
      if (!hasPathFastPath(resource.resourceType)) continue;
      expect(outcome((r) => fastPathIds(r) ?? ['<bailed out>'], resource), `${resource.resourceType}/${resource.id}`).toEqual(expected);
      answeredFast++;
    }
    const kinds = new Set(data.map((r) => r.resourceType));
    expect(['Observation', 'Encounter', 'AllergyIntolerance'].every((t) => kinds.has(t as Resource['resourceType']))).toBe(true);
    expect(answeredFast).toBeGreaterThan(100);
    expect(data.some((r) => r.resourceType === 'Observation' && compartmentPatientIds(r).length > 0)).toBe(true);
  });
}

describe('the compartment fast path is only built where it is a plain property path', () => {
  it.each(['Observation', 'Encounter', 'AllergyIntolerance', 'DiagnosticReport', 'MedicationRequest', 'Immunization', 'DocumentReference'])(
    '%s is answered by following property paths',
    (type) => expect(hasPathFastPath(type)).toBe(true),
  );

  it.each(['CarePlan', 'Condition', 'Procedure', 'CareTeam', 'AuditEvent', 'Provenance', 'Task'])(
    '%s has a .where(resolve() is Patient) expression, so it is always evaluated as FHIRPath',
    (type) => {
      expect(atomsOf(type).some(({ atom }) => atom.toString().includes('.where('))).toBe(true);
      expect(hasPathFastPath(type)).toBe(false);
    },
  );

  it('types outside the compartment, and Patient (placed by its id), have no fast path', () => {
    expect(hasPathFastPath('Practitioner')).toBe(false);
    expect(hasPathFastPath('Patient')).toBe(false);
  });

  it('compiles exactly the pure dotted forms Type.a, Type.a.b, Type.a.b.c of the resource type', () => {
    const compile = (type: string, expression: string) => compilePropertyPath(type, getExpressionsForResourceType(type, expression)[0]!);
    expect(compile('Observation', 'Observation.subject')).toEqual(['subject']);
    expect(compile('Appointment', 'Appointment.participant.actor')).toEqual(['participant', 'actor']);
    expect(compile('CarePlan', 'CarePlan.activity.detail.performer')).toEqual(['activity', 'detail', 'performer']);
    expect(compile('CarePlan', 'CarePlan.subject.where(resolve() is Patient)')).toBeUndefined();
    expect(compile('Observation', 'Observation.a.b.c.d')).toBeUndefined();
    expect(compile('Observation', '(Observation.value as Reference)')).toBeUndefined();
    expect(compile('Observation', 'Observation.value[x]')).toBeUndefined();
    expect(compile('Observation', 'Observation.subject.first()')).toBeUndefined();
    expect(compile('Observation', 'Observation.Subject')).toBeUndefined();
    expect(compile('Observation', 'Observation.%subject')).toBeUndefined();
    expect(compilePropertyPath('Encounter', getExpressionsForResourceType('Observation', 'Observation.subject')[0]!)).toBeUndefined();
  });

  it('every expression of a fast type is a plain path, and the whole compartment has the expected mix', () => {
    let pure = 0;
    let where = 0;
    for (const type of patientCompartmentTypes()) {
      for (const { atom } of atomsOf(type)) {
        if (compilePropertyPath(type, atom)) pure++;
        else if (/\.where\(\(resolve\(\) is Patient\)\)$/.test(atom.toString())) where++;
        else throw new Error(`an expression of neither form: ${atom.toString()}`);
      }
    }
    expect(pure).toBe(86);
    expect(where).toBe(17);
    expect(fastTypes().length).toBeGreaterThan(40);
  });
});

// The engine navigates by property name without a schema, by element definition with one: both are compared.
// (This file runs in its own module context, so the schema-less pass runs first, before the second indexes them.)
describe.runIf(!tryGetDataType('Observation'))('without the StructureDefinitions indexed (untyped navigation)', () => {
  equivalenceSuite();
});

describe('with the StructureDefinitions indexed, as the running app is (typed navigation)', () => {
  beforeAll(() => ensureStructureDefinitions());

  it('navigates by schema', () => expect(tryGetDataType('Observation')).toBeDefined());

  it('no step of a fast path is a choice-type element, and every path ends at a Reference', () => {
    for (const type of fastTypes()) {
      for (const { atom } of atomsOf(type)) {
        let current = type;
        for (const step of compilePropertyPath(type, atom)!) {
          const element = getElementDefinition(current, step);
          expect(element, `${type}: ${step}`).toBeDefined();
          expect(element!.path.endsWith('[x]'), element!.path).toBe(false);
          expect(element!.type.length, element!.path).toBe(1);
          current = element!.type[0]!.code;
        }
        expect(current, atom.toString()).toBe('Reference');
      }
    }
  });

  equivalenceSuite();
});
