import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { MaskingEngine } from './masking.engine.js';
import { compileMaskingPolicy } from './masking-policy.loader.js';

const key = Buffer.from('k-for-tests');
const caller = (over: Partial<Principal> = {}): Principal => ({
  issuer: 'i', subject: 's', clientId: 'portal', kind: 'practitioner', scopes: [], roles: [], expiresAt: 0, ...over,
});
const engineFor = (rules: unknown[], extra: Record<string, unknown> = {}) =>
  new MaskingEngine(
    compileMaskingPolicy({ version: 1, firstPartyClients: ['portal'], redactionToken: '[REDACTED]', dataClasses: {}, rules, extensions: [], ...extra }),
    () => key,
  );
const patient = () => ({
  resourceType: 'Patient',
  telecom: [
    { system: 'phone', value: '555-0100' },
    { system: 'email', value: 'jane@example.org' },
  ],
  name: [{ family: 'Roe', given: ['Jane', 'Q'], _given: [null, { extension: [{ url: 'u', valueString: 'x' }] }] }],
  birthDate: '1970-01-02',
});

describe('masking methods', () => {
  it('mask-last4 keeps only the last 4 digits of a string or of an element value', () => {
    const engine = engineFor([{ id: 'm', selector: "telecom.where(system = 'phone')", method: 'mask-last4' }]);
    expect(engine.mask(patient(), caller()).body.telecom[0]).toEqual({ system: 'phone', value: '***-**-0100' });
  });

  it('redact removes the element, and a repeating primitive loses its _x extension entry with it', () => {
    const engine = engineFor([
      { id: 'r1', selector: "telecom.where(system = 'email')", method: 'redact' },
      { id: 'r2', selector: 'name.given[1]', method: 'redact' },
      { id: 'r3', selector: 'birthDate', method: 'redact' },
    ]);
    const { body } = engine.mask(patient(), caller());
    expect(body.telecom).toEqual([{ system: 'phone', value: '555-0100' }]);
    expect(body.name[0]).toEqual({ family: 'Roe', given: ['Jane'], _given: [null] });
    expect(body).not.toHaveProperty('birthDate');
  });

  it('redact of every entry of a list removes the list', () => {
    const { body } = engineFor([{ id: 'r', selector: 'telecom', method: 'redact' }]).mask(patient(), caller());
    expect(body).not.toHaveProperty('telecom');
  });

  it('hash replaces the value with HMAC-SHA256 under the supplied key', () => {
    const { body } = engineFor([{ id: 'h', selector: "telecom.where(system = 'email').value", method: 'hash' }]).mask(patient(), caller());
    expect(body.telecom[1]!.value).toBe(createHmac('sha256', key).update('jane@example.org').digest('hex'));
  });

  it('hash reads the key from the provider, so another key gives another value', () => {
    const rules = [{ id: 'h', selector: 'name.family', method: 'hash' }];
    const policy = compileMaskingPolicy({ version: 1, firstPartyClients: [], redactionToken: 'X', dataClasses: {}, rules, extensions: [] });
    const a = new MaskingEngine(policy, () => Buffer.from('a')).mask(patient(), caller()).body.name[0]!.family;
    const b = new MaskingEngine(policy, () => Buffer.from('b')).mask(patient(), caller()).body.name[0]!.family;
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('substitute puts the given value in place of a string, or of a whole element', () => {
    const { body } = engineFor([
      { id: 's1', selector: 'name.family', method: 'substitute', value: 'Doe' },
      { id: 's2', selector: 'birthDate', method: 'substitute', value: '1970' },
      { id: 's3', selector: "telecom.where(system = 'email')", method: 'substitute', value: { system: 'email', value: 'hidden@example.org' } },
    ]).mask(patient(), caller());
    expect(body.name[0]!.family).toBe('Doe');
    expect(body.birthDate).toBe('1970');
    expect(body.telecom[1]).toEqual({ system: 'email', value: 'hidden@example.org' });
  });

  it('keep leaves the element as it is', () => {
    const { body } = engineFor([{ id: 'k', selector: 'telecom', method: 'keep' }]).mask(patient(), caller());
    expect(body.telecom).toEqual(patient().telecom);
  });

  it('the first matching rule wins: a keep before a redact protects the element', () => {
    const rules = [
      { id: 'keep-phone', selector: "telecom.where(system = 'phone')", method: 'keep' },
      { id: 'drop-telecom', selector: 'telecom', method: 'redact' },
    ];
    const { body, rulesApplied } = engineFor(rules).mask(patient(), caller());
    expect(body.telecom).toEqual([{ system: 'phone', value: '555-0100' }]);
    expect([...rulesApplied].sort()).toEqual(['drop-telecom', 'keep-phone']);
  });

  it('a rule applies only to the callers it names: kinds, roles and client ids (all given must match)', () => {
    const engine = engineFor([
      { id: 'by-client', selector: 'birthDate', method: 'redact', appliesTo: { clients: ['research-app'] } },
      { id: 'by-role-and-kind', selector: 'name', method: 'redact', appliesTo: { kinds: ['practitioner'], roles: ['auditor'] } },
      { id: 'third-party', selector: 'telecom', method: 'redact', appliesTo: { kinds: ['third-party'] } },
    ]);
    const plain = engine.mask(patient(), caller()).body;
    expect(plain).toEqual(patient());
    const research = engine.mask(patient(), caller({ clientId: 'research-app' })).body;
    expect(research).not.toHaveProperty('birthDate');
    expect(research).not.toHaveProperty('telecom');
    expect(engine.mask(patient(), caller({ roles: ['auditor'] })).body).not.toHaveProperty('name');
    expect(engine.mask(patient(), caller({ kind: 'patient', roles: ['auditor'] })).body).toHaveProperty('name');
  });

  it('a selector on another resource type does not touch this one (anchor pre-filter agrees with FHIRPath)', () => {
    const { body } = engineFor([{ id: 'obs-only', selector: 'Observation.subject', method: 'redact' }]).mask(patient(), caller());
    expect(body).toEqual(patient());
  });

  it('choice-type selectors reach value[x]', () => {
    const obs = { resourceType: 'Observation', status: 'final', valueString: 'secret', code: { text: 'c' } };
    const { body } = engineFor([{ id: 'v', selector: 'value', method: 'redact' }]).mask(obs, caller());
    expect(body).toEqual({ resourceType: 'Observation', status: 'final', code: { text: 'c' } });
  });

  describe('extension allow/deny by URL', () => {
    const withExtensions = () => ({
      resourceType: 'Patient',
      extension: [
        { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race', extension: [{ url: 'text', valueString: 'x' }] },
        { url: 'http://example.org/allowed', valueString: 'ok' },
      ],
      name: [{ family: 'Roe', extension: [{ url: 'http://example.org/name-secret', valueString: 's' }] }],
    });

    it('a deny list removes only the listed URLs, wherever the extension sits', () => {
      const engine = engineFor([], {
        extensions: [{ id: 'deny', urls: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-race', 'http://example.org/name-secret'], action: 'remove' }],
      });
      const { body, extensionsRemoved } = engine.mask(withExtensions(), caller());
      expect(body.extension).toEqual([{ url: 'http://example.org/allowed', valueString: 'ok' }]);
      expect(body.name[0]).toEqual({ family: 'Roe' });
      expect(extensionsRemoved).toBe(2);
    });

    it('an allow list (keep listed, then remove "*") keeps only the listed URLs', () => {
      const engine = engineFor([], {
        extensions: [
          { id: 'allow', urls: ['http://example.org/allowed'], action: 'keep' },
          { id: 'rest', urls: ['*'], action: 'remove' },
        ],
      });
      const { body } = engine.mask(withExtensions(), caller());
      expect(body.extension).toEqual([{ url: 'http://example.org/allowed', valueString: 'ok' }]);
      expect(body.name[0]).not.toHaveProperty('extension');
    });

    it('the default policy withholds US Core race from third-party apps but not from clinicians', async () => {
      const { loadMaskingPolicy } = await import('./masking-policy.loader.js');
      const engine = new MaskingEngine(loadMaskingPolicy(), () => key);
      const clinician = engine.mask(withExtensions(), caller({ clientId: 'provider-dashboard' })).body;
      expect(clinician.extension).toHaveLength(2);
      const app = engine.mask(withExtensions(), caller({ clientId: 'other-app' })).body;
      expect(app.extension).toEqual([{ url: 'http://example.org/allowed', valueString: 'ok' }]);
    });
  });
});
