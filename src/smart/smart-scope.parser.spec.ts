import { describe, expect, it } from 'vitest';
import { formatPermissions, normalizeScope, parseScope, parseScopes, type ResourceScope } from './smart-scope.parser.js';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

function resource(raw: string): ResourceScope {
  const scope = parseScope(raw);
  if (scope?.kind !== 'resource') throw new Error(`expected a resource scope for ${raw}`);
  return scope;
}

describe('SMART v2 scopes', () => {
  it.each([
    ['c', ['c']],
    ['r', ['r']],
    ['u', ['u']],
    ['d', ['d']],
    ['s', ['s']],
    ['rs', ['r', 's']],
    ['cu', ['c', 'u']],
    ['cruds', ['c', 'r', 'u', 'd', 's']],
    ['crs', ['c', 'r', 's']],
    ['ud', ['u', 'd']],
  ])('the letters "%s" grant exactly %j', (letters, expected) => {
    const scope = resource(`patient/Observation.${letters}`);
    expect(scope.permissions).toEqual(expected);
    expect(scope.version).toBe(2);
    expect(scope.resourceType).toBe('Observation');
    expect(scope.context).toBe('patient');
  });

  it.each(['dus', 'sr', 'rr', 'rsr', 'x', 'rsx', 'R', 'cRuds', 'readx', 'srd'])(
    'letters out of cruds order or unknown ("%s") grant nothing',
    (letters) => {
      expect(parseScope(`patient/Observation.${letters}`)).toBeNull();
    },
  );

  it('a wildcard type applies to every type', () => {
    const scope = resource('user/*.cruds');
    expect(scope.resourceType).toBe('*');
    expect(scope.context).toBe('user');
    expect(formatPermissions(scope.permissions)).toBe('cruds');
  });

  it('system scopes are parsed with the system context', () => {
    expect(resource('system/Patient.rs').context).toBe('system');
    expect(resource('system/*.s').permissions).toEqual(['s']);
  });
});

describe('SMART v1 scopes map to v2 letters', () => {
  it.each([
    ['read', 'rs'],
    ['write', 'cud'],
    ['*', 'cruds'],
  ])('"%s" grants %s', (v1, v2) => {
    const scope = resource(`patient/Observation.${v1}`);
    expect(formatPermissions(scope.permissions)).toBe(v2);
    expect(scope.version).toBe(1);
  });

  it('patient/*.read reads every type', () => {
    const scope = resource('patient/*.read');
    expect(scope.resourceType).toBe('*');
    expect(formatPermissions(scope.permissions)).toBe('rs');
  });

  it('user/*.* grants everything', () => {
    expect(formatPermissions(resource('user/*.*').permissions)).toBe('cruds');
  });

  it('v1 scopes cannot carry a granular query', () => {
    expect(parseScope(`patient/Observation.read?category=${LAB}`)).toBeNull();
  });
});

describe('granular v2 scopes', () => {
  it('keep the query as decoded search parameters', () => {
    const scope = resource(`patient/Observation.rs?category=${LAB}`);
    expect(scope.query).toEqual({ category: [LAB] });
    expect(scope.permissions).toEqual(['r', 's']);
  });

  it('accept several parameters and percent-encoding', () => {
    const scope = resource('patient/Observation.rs?category=laboratory&code=http%3A%2F%2Floinc.org%7C1234-5');
    expect(scope.query).toEqual({ category: ['laboratory'], code: ['http://loinc.org|1234-5'] });
  });

  it.each([
    ['an unknown parameter', 'patient/Observation.rs?foo=bar'],
    ['a chained parameter', 'patient/Observation.rs?subject.name=x'],
    ['_has', 'patient/Observation.rs?_has:Group:member:_id=1'],
    ['an empty query', 'patient/Observation.rs?'],
    ['a parameter without value', 'patient/Observation.rs?category='],
    ['a parameter without "="', 'patient/Observation.rs?category'],
    ['a wildcard type', 'patient/*.rs?category=laboratory'],
    ['broken percent-encoding', 'patient/Observation.rs?category=%E0%A4%A'],
  ])('grant nothing with %s', (_what, raw) => {
    expect(parseScope(raw)).toBeNull();
  });
});

describe('context and identity scopes', () => {
  it.each(['launch', 'launch/patient', 'launch/encounter', 'openid', 'fhirUser', 'profile', 'offline_access', 'online_access'])(
    '%s is a context scope',
    (name) => {
      expect(parseScope(name)).toEqual({ kind: 'context', text: name, name });
    },
  );

  it.each(['launch/practitioner', 'launch/', 'Launch', 'fhiruser', 'email', 'User.Read', 'offline'])(
    'the unknown context scope "%s" grants nothing',
    (name) => {
      expect(parseScope(name)).toBeNull();
    },
  );
});

describe('malformed resource scopes grant nothing', () => {
  it.each([
    'patient/Observation.',
    'patient/Observation',
    'patient/.rs',
    'patient/Foo.rs',
    'patient/observation.rs',
    'practitioner/Observation.rs',
    'patient//Observation.rs',
    'patient/Observation.rs.rs',
    '/Observation.rs',
    'patient/Observation.reads',
    'patient/Observation.writes',
    '',
    '   ',
  ])('"%s"', (raw) => {
    expect(parseScope(raw)).toBeNull();
    expect(normalizeScope(raw)).toBeUndefined();
  });

  it('never throws on non-string input', () => {
    expect(parseScope(undefined as unknown as string)).toBeNull();
    expect(parseScope(42 as unknown as string)).toBeNull();
  });
});

describe('Entra ID scopes are normalised', () => {
  it.each([
    ['patient.Observation.read', 'patient/Observation.read'],
    ['patient.all.read', 'patient/*.read'],
    ['user.all.write', 'user/*.write'],
    ['system.Patient.rs', 'system/Patient.rs'],
    ['patient.Observation.rs', 'patient/Observation.rs'],
    ['launch.patient', 'launch/patient'],
    ['launch.encounter', 'launch/encounter'],
    ['https://fhir.example.org/fhir/patient.Observation.rs', 'patient/Observation.rs'],
    ['api://facade-app/patient.all.read', 'patient/*.read'],
    ['https://x.azurehealthcareapis.com/launch.patient', 'launch/patient'],
    ['https://x/fhir/fhirUser', 'fhirUser'],
    ['https://x/fhir/patient/Observation.rs', 'patient/Observation.rs'],
    ['patient/Observation.rs', 'patient/Observation.rs'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeScope(raw)).toBe(expected);
  });

  it('decodes %2f and %2F inside a granular query', () => {
    const raw = 'patient.Observation.rs?category=http:%2f%2Fterminology.hl7.org%2fCodeSystem%2fobservation-category|laboratory';
    expect(normalizeScope(raw)).toBe(`patient/Observation.rs?category=${LAB}`);
    expect(resource(raw).query).toEqual({ category: [LAB] });
  });

  it('strips an audience prefix from a granular Entra scope', () => {
    const raw = 'https://x/fhir/patient.Observation.rs?category=http:%2f%2fterminology.hl7.org%2fCodeSystem%2fobservation-category|laboratory';
    expect(normalizeScope(raw)).toBe(`patient/Observation.rs?category=${LAB}`);
  });

  it.each(['User.Read', 'patient.Foo.read', 'patient.Observation.', 'https://x/fhir/user_impersonation'])(
    'drops "%s", which is not a SMART scope',
    (raw) => {
      expect(normalizeScope(raw)).toBeUndefined();
    },
  );
});

describe('a scope set', () => {
  it('splits resource and context scopes and skips malformed ones', () => {
    const set = parseScopes('openid fhirUser launch/patient patient/Observation.rs patient/Foo.rs patient/Observation.dus');
    expect(set.resources.map((s) => s.text)).toEqual(['patient/Observation.rs']);
    expect([...set.context].sort()).toEqual(['fhirUser', 'launch/patient', 'openid']);
    expect(set.rejected).toEqual(['patient/Foo.rs', 'patient/Observation.dus']);
  });

  it('accepts a list and de-duplicates', () => {
    const set = parseScopes(['patient/*.rs', 'patient/*.rs', 'patient.all.read']);
    expect(set.resources.map((s) => s.text)).toEqual(['patient/*.rs', 'patient/*.read']);
  });
});
