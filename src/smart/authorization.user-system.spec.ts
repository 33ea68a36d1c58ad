import type { Bundle, Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { authorizeRequest } from './authorization.policy.js';
import type { AllowDecision, AuthorizationDecision } from './authorization.types.js';
import { deniedBatchEntry } from './bundle-authorization.js';
import type { FhirInteraction } from './fhir-interaction.js';
import { interactionFromRequest } from './fhir-interaction.parser.js';

function principal(kind: Principal['kind'], scopes: string[], overrides: Partial<Principal> = {}): Principal {
  return {
    issuer: 'https://idp.example',
    subject: 's1',
    clientId: 'app',
    kind,
    ...(kind === 'practitioner' ? { fhirUser: 'Practitioner/doc-1' } : {}),
    scopes,
    roles: [],
    expiresAt: 2_000_000_000,
    ...overrides,
  };
}

const doctor = principal('practitioner', ['openid', 'fhirUser', 'user/*.cruds']);
const emergency = principal('practitioner', ['user/*.rs'], { roles: ['break-glass'] });
const backend = principal('system', ['system/Observation.rs', 'system/Patient.r']);

function decide(p: Principal, method: string, url: string, extra: Partial<FhirInteraction> = {}): AuthorizationDecision {
  const i = interactionFromRequest(method, url, extra.body);
  if (!i) throw new Error(`not a FHIR request: ${url}`);
  return authorizeRequest(p, { ...i, ...extra });
}

function allowed(d: AuthorizationDecision): AllowDecision {
  if (d.verdict !== 'allow') throw new Error(`expected allow, got deny by ${d.rule}`);
  return d;
}

const obs = (subject: string): Observation => ({ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' }, subject: { reference: subject } });

describe('practitioners with user/ scopes', () => {
  it('reading a Patient asks for a provider access check of that patient', () => {
    const d = allowed(decide(doctor, 'GET', 'Patient/pat-9'));
    expect(d.rule).toBe('user-scope');
    expect(d.providerCheck).toEqual({ patientIds: ['pat-9'] });
    expect(d.breakGlass).toBeUndefined();
  });

  it('a search naming a patient checks that patient; a compartment search checks its owner', () => {
    expect(allowed(decide(doctor, 'GET', 'Observation?subject=Patient/pat-3')).providerCheck).toEqual({ patientIds: ['pat-3'] });
    expect(allowed(decide(doctor, 'GET', 'Patient/pat-4/Condition')).providerCheck).toEqual({ patientIds: ['pat-4'] });
    expect(allowed(decide(doctor, 'GET', 'Patient/pat-5/$everything')).providerCheck).toEqual({ patientIds: ['pat-5'] });
  });

  it('a search or read without a known patient checks the patients of the results', () => {
    expect(allowed(decide(doctor, 'GET', 'Observation?code=x')).providerCheck).toEqual({ fromResults: true });
    expect(allowed(decide(doctor, 'GET', 'Observation/o1')).providerCheck).toEqual({ fromResults: true });
  });

  it('reference data needs no provider check', () => {
    expect(allowed(decide(doctor, 'GET', 'Practitioner/doc-2')).providerCheck).toBeUndefined();
  });

  it('a write checks the patients of the body and of the stored version', () => {
    const d = allowed(decide(doctor, 'PUT', 'Observation/o1', { body: obs('Patient/pat-1'), before: obs('Patient/pat-2') }));
    expect(d.providerCheck).toEqual({ patientIds: ['pat-1', 'pat-2'] });
  });

  it('a user scope without the letter is refused, naming the scope', () => {
    expect(decide(principal('practitioner', ['user/Observation.rs']), 'DELETE', 'Observation/o1', { before: obs('Patient/p') })).toEqual({
      verdict: 'deny',
      rule: 'scope-missing:Observation.d',
    });
  });

  it('a practitioner token without a Practitioner fhirUser is refused', () => {
    const anonymous = principal('practitioner', ['user/*.rs'], { fhirUser: undefined });
    expect(decide(anonymous, 'GET', 'Patient/pat-1')).toEqual({ verdict: 'deny', rule: 'practitioner-identity-required' });
  });

  it('user scopes of a patient user only reach their own compartment', () => {
    const pat = principal('patient', ['user/*.rs'], { fhirUser: 'Patient/pat-1', patient: 'pat-1' });
    expect(decide(pat, 'GET', 'Patient/pat-2')).toEqual({ verdict: 'deny', rule: 'compartment-value-not-permitted' });
    expect(allowed(decide(pat, 'GET', 'Observation')).narrowing?.params).toEqual({ subject: ['Patient/pat-1'] });
  });

  it('a practitioner in an EHR launch with patient/ scopes is held to the launch patient', () => {
    const launched = principal('practitioner', ['patient/*.rs'], { patient: 'pat-7' });
    expect(decide(launched, 'GET', 'Observation?patient=pat-8')).toEqual({ verdict: 'deny', rule: 'compartment-value-not-permitted' });
    expect(allowed(decide(launched, 'GET', 'Observation')).visibility.patientId).toBe('pat-7');
  });
});

describe('break-glass', () => {
  it('a practitioner with the role and a reason opens a patient outside the care team, flagged for audit', () => {
    const d = allowed(decide(emergency, 'GET', 'Patient/pat-9', { breakGlassReason: '  unconscious patient in ED ' }));
    expect(d.rule).toBe('break-glass');
    expect(d.breakGlass).toEqual({ reason: 'unconscious patient in ED' });
    // The patients the grant covers are named, but break-glass bypasses the provider check itself.
    expect(d.providerCheck).toEqual({ patientIds: ['pat-9'] });
  });

  it('without the role it is refused', () => {
    expect(decide(doctor, 'GET', 'Patient/pat-9', { breakGlassReason: 'emergency' })).toEqual({ verdict: 'deny', rule: 'break-glass-role-required' });
  });

  it('without a reason it is refused', () => {
    expect(decide(emergency, 'GET', 'Patient/pat-9', { breakGlassReason: '   ' })).toEqual({ verdict: 'deny', rule: 'break-glass-reason-required' });
  });

  it('a patient cannot use it', () => {
    const pat = principal('patient', ['patient/*.rs'], { patient: 'p1', roles: ['break-glass'] });
    expect(decide(pat, 'GET', 'Patient/p2', { breakGlassReason: 'x' })).toEqual({ verdict: 'deny', rule: 'break-glass-practitioner-only' });
  });

  it('it opens named patients, not a search across everyone', () => {
    expect(decide(emergency, 'GET', 'Observation?code=x', { breakGlassReason: 'x' })).toEqual({ verdict: 'deny', rule: 'break-glass-patient-required' });
    expect(allowed(decide(emergency, 'GET', 'Observation?patient=pat-9', { breakGlassReason: 'x' })).breakGlass).toEqual({ reason: 'x' });
  });

  it('the role alone, without the header, is ordinary access with a provider check', () => {
    expect(allowed(decide(emergency, 'GET', 'Patient/pat-9')).providerCheck).toEqual({ patientIds: ['pat-9'] });
  });
});

describe('backend services with system/ scopes', () => {
  it('reach every patient within their types and letters', () => {
    const d = allowed(decide(backend, 'GET', 'Observation?patient=any-1'));
    expect(d.rule).toBe('system-scope');
    expect(d.narrowing?.params).toEqual({ patient: ['any-1'] });
    expect(d.visibility.patientId).toBeUndefined();
    expect(d.providerCheck).toBeUndefined();
  });

  it('are limited by interaction', () => {
    expect(decide(backend, 'GET', 'Patient?name=x')).toEqual({ verdict: 'deny', rule: 'scope-missing:Patient.s' });
    expect(decide(backend, 'POST', 'Observation', { body: obs('Patient/p') })).toEqual({ verdict: 'deny', rule: 'scope-missing:Observation.c' });
  });

  it('are limited by type', () => {
    expect(decide(backend, 'GET', 'Condition/c1')).toEqual({ verdict: 'deny', rule: 'scope-missing:Condition.r' });
  });

  it('system-wide search needs every _type, or a wildcard', () => {
    expect(decide(backend, 'GET', '?_type=Observation').verdict).toBe('allow');
    expect(decide(backend, 'GET', '?_type=Observation,Condition').verdict).toBe('deny');
    expect(decide(backend, 'GET', '?code=x').verdict).toBe('deny');
    expect(decide(principal('system', ['system/*.s']), 'GET', '?code=x').verdict).toBe('allow');
  });

  it('granular system scopes narrow searches', () => {
    const p = principal('system', ['system/Observation.rs?category=laboratory']);
    expect(allowed(decide(p, 'GET', 'Observation')).narrowing?.params).toEqual({ category: ['laboratory'] });
  });
});

describe('batch and transaction', () => {
  const pat = principal('patient', ['patient/*.cruds'], { patient: 'me', fhirUser: 'Patient/me' });
  const bundle = (type: 'batch' | 'transaction'): Bundle => ({
    resourceType: 'Bundle',
    type,
    entry: [
      { request: { method: 'GET', url: 'Observation?patient=me' } },
      { request: { method: 'GET', url: 'Observation?patient=other' } },
      { request: { method: 'POST', url: 'Observation' }, resource: obs('Patient/me') },
      { request: { method: 'POST', url: 'Observation' }, resource: obs('Patient/other') },
    ],
  });

  it('a batch authorizes each entry on its own', () => {
    const d = allowed(decide(pat, 'POST', '', { body: bundle('batch') }));
    expect(d.entries?.map((e) => (e.verdict === 'deny' ? e.rule : e.verdict))).toEqual([
      'allow',
      'compartment-value-not-permitted',
      'allow',
      'write-outside-compartment',
    ]);
    const first = d.entries?.[0];
    expect(first?.verdict === 'allow' && first.narrowing?.params).toEqual({ patient: ['me'], subject: ['Patient/me'] });
  });

  it('a transaction with one denied entry is denied as a whole', () => {
    expect(decide(pat, 'POST', '', { body: bundle('transaction') })).toEqual({ verdict: 'deny', rule: 'compartment-value-not-permitted' });
  });

  it('a transaction of allowed entries is allowed', () => {
    const ok: Bundle = { ...bundle('transaction'), entry: bundle('transaction').entry!.filter((_, i) => i % 2 === 0) };
    expect(allowed(decide(pat, 'POST', '', { body: ok })).entries).toHaveLength(2);
  });

  it('a transaction updating another patient’s resource (stored version supplied) is denied', () => {
    const t: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PUT', url: 'Observation/o1' }, resource: obs('Patient/me') }] };
    const i = interactionFromRequest('POST', '', t)!;
    expect(authorizeRequest(pat, i, undefined, { entryStates: [{ before: obs('Patient/other') }] })).toEqual({
      verdict: 'deny',
      rule: 'write-outside-compartment',
    });
  });

  it('nested bundles and malformed entries are denied', () => {
    const b: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'POST', url: '' }, resource: { resourceType: 'Bundle', type: 'batch' } }, { request: { method: 'GET', url: 'Nope/1' } }],
    };
    const d = allowed(decide(pat, 'POST', '', { body: b }));
    expect(d.entries).toEqual([
      { verdict: 'deny', rule: 'bundle-entry-invalid' },
      { verdict: 'deny', rule: 'bundle-entry-invalid' },
    ]);
  });

  it('a denied batch entry is answered 403 with the rule', () => {
    const entry = deniedBatchEntry('compartment-value-not-permitted');
    expect(entry.response?.status).toBe('403 Forbidden');
    expect(entry.response?.outcome?.issue?.[0]?.details?.text).toContain('compartment-value-not-permitted');
  });
});
