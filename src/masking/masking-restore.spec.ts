import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { OperationOutcomeError } from '../fhir/outcomes.js';
import { MaskingEngine } from './masking.engine.js';
import { loadMaskingPolicy } from './masking-policy.loader.js';
import { hmacHex } from './masking-methods.js';
import { restoreMaskedValues } from './masking-restore.js';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const policy = loadMaskingPolicy();
const key = Buffer.from('restore-key');
const engine = new MaskingEngine(policy, () => key);
const clinician: Principal = { issuer: 'i', subject: 's', clientId: 'provider-dashboard', kind: 'practitioner', scopes: [], roles: [], expiresAt: 0 };
const app: Principal = { ...clinician, clientId: 'third-party-app' };

const stored = () => ({
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '3' },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">SSN 123-45-6789</div>' },
  identifier: [
    { system: 'urn:mrn', value: 'MRN-1' },
    { system: SSN, value: '123-45-6789' },
  ],
  name: [{ family: 'Roe' }],
});

function refusal(run: () => unknown): OperationOutcomeError {
  try {
    run();
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error;
    throw error;
  }
  throw new Error('expected a 400 OperationOutcomeError');
}

describe('write-restore: writes never store a mask', () => {
  it('an update that sends back what the clinician was shown stores the original SSN and narrative', () => {
    const shown = engine.mask(stored(), clinician).body;
    shown.name[0]!.family = 'Roe-Smith';
    const restored = restoreMaskedValues(shown, stored(), policy);
    expect(restored.identifier[1]!.value).toBe('123-45-6789');
    expect(restored.text.div).toBe(stored().text.div);
    expect(restored.name[0]!.family).toBe('Roe-Smith');
  });

  it('matches the SSN identifier by system and last 4 even when the client reorders identifiers', () => {
    const incoming = { ...stored(), identifier: [{ system: SSN, value: '***-**-6789' }, { system: 'urn:mrn', value: 'MRN-1' }] };
    expect(restoreMaskedValues(incoming, stored(), policy).identifier[0]!.value).toBe('123-45-6789');
  });

  it('refuses with 400 when the last 4 digits do not match the stored SSN', () => {
    const incoming = { ...stored(), text: undefined, identifier: [{ system: SSN, value: '***-**-0000' }] };
    const error = refusal(() => restoreMaskedValues(incoming, stored(), policy));
    expect(error.status).toBe(400);
    expect(error.outcome.issue[0]!.expression).toEqual(['Patient.identifier[0].value']);
    expect(JSON.stringify(error.outcome)).not.toMatch(/6789|0000/);
  });

  it('refuses a create that contains a mask', () => {
    const created = { resourceType: 'Patient', identifier: [{ system: SSN, value: '***-**-6789' }] };
    expect(refusal(() => restoreMaskedValues(created, undefined, policy)).status).toBe(400);
    const note = { resourceType: 'Observation', note: [{ text: 'ssn ***-**-6789' }] };
    expect(refusal(() => restoreMaskedValues(note, undefined, policy)).outcome.issue[0]!.expression).toEqual(['Observation.note[0].text']);
  });

  it('refuses masked free text the client edited (it cannot be restored), and the redaction token', () => {
    const edited = { ...stored(), identifier: stored().identifier, text: { status: 'generated', div: '<div>new text ***-**-6789</div>' } };
    expect(refusal(() => restoreMaskedValues(edited, stored(), policy)).status).toBe(400);
    const token = { ...stored(), identifier: [{ system: SSN, value: '[REDACTED]' }] };
    expect(refusal(() => restoreMaskedValues(token, stored(), policy)).status).toBe(400);
  });

  it('restores a hashed identifier only when the engine key matches', () => {
    const incoming = { ...stored(), identifier: [{ system: SSN, value: hmacHex(key, '123-45-6789') }] };
    expect(restoreMaskedValues(structuredClone(incoming), stored(), policy, { hashKey: () => key }).identifier[0]!.value).toBe('123-45-6789');
    expect(refusal(() => restoreMaskedValues(structuredClone(incoming), stored(), policy)).status).toBe(400);
  });

  it('leaves a write without masks untouched, including a real new SSN', () => {
    const incoming = { ...stored(), identifier: [{ system: SSN, value: '222-33-4444' }], text: undefined };
    expect(restoreMaskedValues(structuredClone(incoming), stored(), policy)).toEqual(incoming);
  });

  it('puts back the SSN a third-party app never saw when asked to (reinstateRemoved)', () => {
    const shown = engine.mask(stored(), app).body;
    expect(shown.identifier).toHaveLength(1);
    const kept = restoreMaskedValues(structuredClone(shown), stored(), policy);
    expect(kept.identifier).toHaveLength(1);
    const reinstated = restoreMaskedValues(structuredClone(shown), stored(), policy, { reinstateRemoved: true });
    expect(reinstated.identifier).toEqual(stored().identifier);
    expect(reinstated.text.div).toBe(stored().text.div);
  });
});
