/**
 * Property-style leak test: many random SSNs, each carried by an identifier somewhere in a random response
 * (root, Reference.identifier, contained, nested bundle) and echoed in random free-text places in any
 * format. For every caller the default policy does not grant `keep`, no run of more than 4 digits survives
 * (the filler text has no digits, so any longer run could only be an SSN or part of one).
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { MaskingEngine } from './masking.engine.js';
import { loadMaskingPolicy } from './masking-policy.loader.js';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const engine = new MaskingEngine(loadMaskingPolicy(), () => Buffer.from('prop-key'));

/** mulberry32: deterministic, so a failure reproduces. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof prng>;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const digits = (rand: Rand, n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
const formats = (ssn: string) => [`${ssn.slice(0, 3)}-${ssn.slice(3, 5)}-${ssn.slice(5)}`, ssn, `${ssn.slice(0, 3)} ${ssn.slice(3, 5)} ${ssn.slice(5)}`];
const words = ['pt', 'states', 'SSN', 'no.', 'social', 'security', ':', '#', '(', ')', 'ssn=', 'id', '<b>', '</b>', 'ref'];
const filler = (rand: Rand) => Array.from({ length: Math.floor(rand() * 4) }, () => pick(rand, words)).join(pick(rand, [' ', '', '\n']));
const embed = (rand: Rand, text: string) => `${filler(rand)}${pick(rand, [' ', '', ':'])}${text}${pick(rand, [' ', '', '.', ')'])}${filler(rand)}`;

function randomResponse(rand: Rand, ssns: string[]) {
  const texts: ((s: string) => object)[] = [
    (s) => ({ resourceType: 'Observation', status: 'final', note: [{ text: s }] }),
    (s) => ({ resourceType: 'Observation', text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${s}</div>` } }),
    (s) => ({ resourceType: 'DocumentReference', content: [{ attachment: { title: s } }] }),
    (s) => ({ resourceType: 'Basic', extension: [{ url: 'http://example.org/x', valueString: s }] }),
    (s) => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: s, details: { text: s } }] }),
    (s) => ({ resourceType: 'Patient', name: [{ text: s }], contained: [{ resourceType: 'RelatedPerson', name: [{ text: s }] }] }),
  ];
  const carriers: ((value: string) => object)[] = [
    (value) => ({ resourceType: 'Patient', identifier: [{ system: SSN, value }] }),
    (value) => ({ resourceType: 'Patient', identifier: [{ type: { coding: [{ system: V2, code: 'SB' }] }, value }] }),
    (value) => ({ resourceType: 'Observation', status: 'final', subject: { identifier: { system: SSN, value } } }),
    (value) => ({ resourceType: 'Encounter', contained: [{ resourceType: 'Patient', identifier: [{ system: SSN, value }] }] }),
    (value) => ({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Patient', identifier: [{ system: SSN, value }] } }] }),
  ];
  const resources: object[] = [];
  for (const ssn of ssns) {
    resources.push(pick(rand, carriers)(pick(rand, formats(ssn))));
    for (let i = 0, n = 1 + Math.floor(rand() * 4); i < n; i++) resources.push(pick(rand, texts)(embed(rand, pick(rand, formats(ssn)))));
  }
  // Dashed or spaced SSNs that no identifier carries: only the generic patterns can catch them.
  const [dashed, , spaced] = formats(digits(rand, 9));
  resources.push(pick(rand, texts)(embed(rand, pick(rand, [dashed!, spaced!]))));
  resources.sort(() => rand() - 0.5);
  const entry = resources.map((resource) => ({ resource }));
  return rand() < 0.3
    ? { resourceType: 'Bundle', type: 'batch-response', entry: [{ resource: { resourceType: 'Bundle', type: 'searchset', entry } }] }
    : { resourceType: 'Bundle', type: 'searchset', entry };
}

const caller = (kind: Principal['kind'], clientId: string, roles: string[] = []): Principal => ({
  issuer: 'i', subject: 's', clientId, kind, scopes: [], roles, expiresAt: 0,
});
const nonKeepCallers = {
  patient: caller('patient', 'patient-portal'),
  practitioner: caller('practitioner', 'provider-dashboard'),
  'break-glass practitioner': caller('practitioner', 'provider-dashboard', ['break-glass']),
  'third-party app': caller('practitioner', 'smart-app'),
  'third-party app with ssn-read': caller('practitioner', 'smart-app', ['ssn-read']),
  system: caller('system', 'backend'),
};

/** Runs of digits allowing the separators an SSN may use. */
const digitRuns = (text: string) => (text.replaceAll(V2, '').replaceAll('http://www.w3.org/1999/xhtml', '').match(/[0-9](?:[\s.-]?[0-9])*/g) ?? []).map((run) => run.replace(/[^0-9]/g, ''));

describe('no SSN digits survive for callers without keep (property, 300 random responses)', () => {
  for (const [name, principal] of Object.entries(nonKeepCallers)) {
    it(`${name}: no run of more than 4 digits in any masked response`, () => {
      const rand = prng(0xc0ffee ^ name.length);
      for (let round = 0; round < 300; round++) {
        const ssns = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => digits(rand, 9));
        const { body } = engine.mask(randomResponse(rand, ssns), principal);
        const json = JSON.stringify(body);
        const long = digitRuns(json).filter((run) => run.length > 4);
        expect(long, `round ${round}: ${json.slice(0, 400)}`).toEqual([]);
        for (const ssn of ssns) for (const format of formats(ssn)) expect(json).not.toContain(format);
        if (principal.clientId === 'smart-app' || principal.kind === 'system') {
          expect(json, 'removed callers get no SSN identifier at all').not.toMatch(/us-ssn|"code":"SB"/);
        }
      }
    });
  }

  it('ssn-read (first-party): every SSN identifier comes back whole, and the disclosure is reported', () => {
    const rand = prng(42);
    for (let round = 0; round < 100; round++) {
      const ssns = [digits(rand, 9), digits(rand, 9)];
      const response = randomResponse(rand, ssns);
      const before = JSON.stringify(response);
      const result = engine.mask(response, caller('practitioner', 'provider-dashboard', ['ssn-read']));
      expect(JSON.stringify(result.body)).toBe(before);
      expect(result.fullSsnDisclosed).toBe(true);
    }
  });
});
