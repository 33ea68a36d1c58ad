import type { Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { authorizeRequest, buildRules } from './authorization.policy.js';
import { DEFAULT_AUTHORIZATION_CONFIG, type AllowDecision, type AuthorizationDecision } from './authorization.types.js';
import type { FhirInteraction } from './fhir-interaction.js';
import { interactionFromRequest } from './fhir-interaction.parser.js';

const ME = 'pat-001';
const OTHER = 'pat-002';
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

function patient(scopes: string[], overrides: Partial<Principal> = {}): Principal {
  return {
    issuer: 'https://idp.example',
    subject: 'u1',
    clientId: 'portal',
    kind: 'patient',
    fhirUser: `Patient/${ME}`,
    patient: ME,
    scopes,
    roles: [],
    expiresAt: 2_000_000_000,
    ...overrides,
  };
}

const reader = patient(['launch/patient', 'patient/*.rs']);
const writer = patient(['patient/*.cruds']);

function req(method: string, url: string, extra: Partial<FhirInteraction> = {}): FhirInteraction {
  const i = interactionFromRequest(method, url, extra.body);
  if (!i) throw new Error(`not a FHIR request: ${method} ${url}`);
  return { ...i, ...extra };
}

function decide(principal: Principal, method: string, url: string, extra: Partial<FhirInteraction> = {}): AuthorizationDecision {
  return authorizeRequest(principal, req(method, url, extra));
}

function allowed(d: AuthorizationDecision): AllowDecision {
  if (d.verdict !== 'allow') throw new Error(`expected allow, got deny by ${d.rule}`);
  return d;
}

const obs = (subject: string, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  id: 'obs-1',
  status: 'final',
  code: { text: 'heart rate' },
  subject: { reference: subject },
  ...extra,
});

describe('rules', () => {
  it('are ordered and end with the default deny', () => {
    const names = buildRules(reader, DEFAULT_AUTHORIZATION_CONFIG).map((r) => r.name);
    expect(names[0]).toBe('capabilities');
    expect(names.at(-1)).toBe('scope-missing');
    expect(names).toContain('patient-scope');
    expect(names).not.toContain('system-scope');
  });

  it('capabilities are allowed without any scope', () => {
    expect(decide(patient([]), 'GET', 'metadata').verdict).toBe('allow');
  });
});

describe('patient scopes need a patient in context', () => {
  it('a patient scope without a patient in context is refused', () => {
    const noContext = patient(['patient/*.rs'], { kind: 'practitioner', fhirUser: 'Practitioner/d1', patient: undefined });
    expect(decide(noContext, 'GET', 'Observation')).toEqual({ verdict: 'deny', rule: 'patient-context-required' });
  });

  it('a patient user without a patient claim is in context through fhirUser', () => {
    const d = allowed(decide(patient(['patient/*.rs'], { patient: undefined }), 'GET', 'Observation'));
    expect(d.narrowing?.params).toEqual({ subject: [`Patient/${ME}`] });
  });
});

describe('each interaction needs its SMART letter', () => {
  it.each([
    ['GET', 'Observation/o1', 'r', 'patient/Observation.s'],
    ['GET', 'Observation/o1/_history/2', 'r', 'patient/Observation.s'],
    ['GET', 'Observation/o1/_history', 'r', 'patient/Observation.s'],
    ['GET', 'Observation?code=1', 's', 'patient/Observation.r'],
    ['POST', 'Observation', 'c', 'patient/Observation.rus'],
    ['PUT', 'Observation/obs-1', 'u', 'patient/Observation.crds'],
    ['DELETE', 'Observation/obs-1', 'd', 'patient/Observation.crus'],
  ])('%s %s needs "%s" (denied with only %s)', (method, url, letter, without) => {
    const body = method === 'POST' || method === 'PUT' ? obs(`Patient/${ME}`) : undefined;
    const extra = { body, before: method === 'POST' ? undefined : obs(`Patient/${ME}`) };
    expect(decide(patient([without]), method, url, extra)).toEqual({ verdict: 'deny', rule: `scope-missing:Observation.${letter}` });
    expect(decide(patient([`patient/Observation.${letter}`]), method, url, extra).verdict).toBe('allow');
  });

  it('patch needs "u"', () => {
    const extra = { before: obs(`Patient/${ME}`), after: obs(`Patient/${ME}`, { status: 'amended' }) };
    expect(decide(patient(['patient/Observation.u']), 'PATCH', 'Observation/obs-1', extra).verdict).toBe('allow');
    expect(decide(patient(['patient/Observation.crds']), 'PATCH', 'Observation/obs-1', extra)).toEqual({
      verdict: 'deny',
      rule: 'scope-missing:Observation.u',
    });
  });

  it('a scope for one type does not reach another', () => {
    expect(decide(patient(['patient/Observation.rs']), 'GET', 'Condition')).toEqual({ verdict: 'deny', rule: 'scope-missing:Condition.s' });
  });

  it('v1 scopes work as their v2 letters', () => {
    expect(decide(patient(['patient/Observation.read']), 'GET', 'Observation').verdict).toBe('allow');
    expect(decide(patient(['patient/Observation.read']), 'DELETE', 'Observation/obs-1', { before: obs(`Patient/${ME}`) })).toEqual({
      verdict: 'deny',
      rule: 'scope-missing:Observation.d',
    });
  });

  it('malformed scopes grant nothing', () => {
    expect(decide(patient(['patient/Observation.', 'patient/Observation.sr']), 'GET', 'Observation')).toEqual({
      verdict: 'deny',
      rule: 'scope-missing:Observation.s',
    });
  });

  it('system scopes do nothing for a patient user', () => {
    expect(decide(patient(['system/*.cruds']), 'GET', 'Observation').verdict).toBe('deny');
  });
});

describe('searches are narrowed to the patient in context', () => {
  it('adds subject=Patient/<id> to an Observation search and keeps the client parameters', () => {
    const d = allowed(decide(reader, 'GET', 'Observation?code=8867-4&_count=10'));
    expect(d.narrowing?.params).toEqual({ code: ['8867-4'], _count: ['10'], subject: [`Patient/${ME}`] });
    expect(d.visibility.patientId).toBe(ME);
  });

  it('adds patient=<id> to an AllergyIntolerance search', () => {
    expect(allowed(decide(reader, 'GET', 'AllergyIntolerance')).narrowing?.params).toEqual({ patient: [ME] });
  });

  it('adds _id=<id> to a Patient search', () => {
    expect(allowed(decide(reader, 'GET', 'Patient?name=smith')).narrowing?.params).toEqual({ name: ['smith'], _id: [ME] });
  });

  it('accepts the client naming the same patient, in any spelling', () => {
    for (const q of [`subject=Patient/${ME}`, `patient=${ME}`, `subject:Patient=${ME}`, `patient=https://x/fhir/Patient/${ME}`]) {
      expect(allowed(decide(reader, 'GET', `Observation?${q}`)).narrowing?.params['subject']).toContain(`Patient/${ME}`);
    }
  });

  it('a compartment search on the own compartment is allowed', () => {
    expect(decide(reader, 'GET', `Patient/${ME}/Observation`).verdict).toBe('allow');
  });

  it('a granular scope narrows the search by its query', () => {
    const d = allowed(decide(patient([`patient/Observation.rs?category=${LAB}`]), 'GET', 'Observation?code=x'));
    expect(d.narrowing?.params).toEqual({ code: ['x'], subject: [`Patient/${ME}`], category: [LAB] });
  });

  it('two granular scopes on the same parameter narrow by their union', () => {
    const p = patient(['patient/Observation.rs?category=laboratory', 'patient/Observation.rs?category=vital-signs']);
    expect(allowed(decide(p, 'GET', 'Observation')).narrowing?.params['category']).toEqual(['laboratory,vital-signs']);
  });

  it('a granular scope together with a full scope does not narrow', () => {
    const p = patient(['patient/Observation.rs?category=laboratory', 'patient/Observation.rs']);
    expect(allowed(decide(p, 'GET', 'Observation')).narrowing?.params).toEqual({ subject: [`Patient/${ME}`] });
  });
});

describe('a patient never reaches another patient’s data', () => {
  it.each([
    ['search by patient=<other>', 'GET', `Observation?patient=${OTHER}`, 'compartment-value-not-permitted'],
    ['search by subject=Patient/<other>', 'GET', `Observation?subject=Patient/${OTHER}`, 'compartment-value-not-permitted'],
    ['search by subject:Patient=<other>', 'GET', `Observation?subject:Patient=${OTHER}`, 'compartment-value-not-permitted'],
    ['search by an absolute reference to <other>', 'GET', `Observation?subject=https://x/fhir/Patient/${OTHER}`, 'compartment-value-not-permitted'],
    ['search naming both patients', 'GET', `Observation?subject=Patient/${ME},Patient/${OTHER}`, 'compartment-value-not-permitted'],
    ['search on Patient by _id=<other>', 'GET', `Patient?_id=${OTHER}`, 'compartment-value-not-permitted'],
    ['search on Patient by _id listing both', 'GET', `Patient?_id=${ME},${OTHER}`, 'compartment-value-not-permitted'],
    ['search on Patient by link=<other>', 'GET', `Patient?link=Patient/${OTHER}`, 'compartment-value-not-permitted'],
    ['AllergyIntolerance by patient=<other>', 'GET', `AllergyIntolerance?patient=${OTHER}`, 'compartment-value-not-permitted'],
    ['Encounter by subject=Patient/<other>', 'GET', `Encounter?subject=Patient/${OTHER}`, 'compartment-value-not-permitted'],
    ['POST _search by patient=<other>', 'POST', `Observation/_search?patient=${OTHER}`, 'compartment-value-not-permitted'],
    ['read of Patient/<other>', 'GET', `Patient/${OTHER}`, 'compartment-value-not-permitted'],
    ['vread of Patient/<other>', 'GET', `Patient/${OTHER}/_history/1`, 'compartment-value-not-permitted'],
    ['history of Patient/<other>', 'GET', `Patient/${OTHER}/_history`, 'compartment-value-not-permitted'],
    ['Patient/<other>/Observation', 'GET', `Patient/${OTHER}/Observation`, 'compartment-value-not-permitted'],
    ['Patient/<other>/$everything', 'GET', `Patient/${OTHER}/$everything`, 'compartment-value-not-permitted'],
    ['Encounter/<x>/Observation', 'GET', 'Encounter/e1/Observation', 'compartment-type-not-permitted'],
    ['_has reverse chain', 'GET', `Patient?_has:Observation:patient:code=1234`, 'reverse-chain-denied'],
    ['_has on Observation', 'GET', `Observation?_has:Provenance:target:agent=x`, 'reverse-chain-denied'],
    ['chained subject.name', 'GET', 'Observation?subject.name=Smith', 'chained-search-denied'],
    ['chained patient:Patient.identifier', 'GET', 'Observation?patient:Patient.identifier=123', 'chained-search-denied'],
    ['chained subject:Patient.name', 'GET', 'Observation?subject:Patient.name=Smith', 'chained-search-denied'],
    ['two-hop chain through reference data', 'GET', 'Observation?performer:Practitioner.organization.name=x', 'chained-search-denied'],
    ['_filter', 'GET', `Observation?_filter=subject eq Patient/${OTHER}`, 'search-param-not-permitted'],
    ['system-wide search', 'GET', '?_type=Observation', 'system-search-denied'],
    ['system-wide history', 'GET', '_history', 'system-search-denied'],
    ['type history', 'GET', 'Observation/_history', 'type-history-denied'],
  ])('%s is refused', (_what, method, url, rule) => {
    expect(decide(reader, method, url)).toEqual({ verdict: 'deny', rule });
  });

  it('a chain to reference data with an explicit type is allowed, still narrowed to the patient', () => {
    const d = allowed(decide(reader, 'GET', 'Observation?performer:Practitioner.name=Jones'));
    expect(d.narrowing?.params['subject']).toEqual([`Patient/${ME}`]);
  });

  it('creating an Observation for another patient is refused', () => {
    expect(decide(writer, 'POST', 'Observation', { body: obs(`Patient/${OTHER}`) })).toEqual({ verdict: 'deny', rule: 'write-outside-compartment' });
  });

  it('creating an Observation for nobody is refused', () => {
    expect(decide(writer, 'POST', 'Observation', { body: obs('Group/g1') }).verdict).toBe('deny');
  });

  it('an update that moves an Observation to another patient is refused', () => {
    const d = decide(writer, 'PUT', 'Observation/obs-1', { body: obs(`Patient/${OTHER}`), before: obs(`Patient/${ME}`) });
    expect(d).toEqual({ verdict: 'deny', rule: 'write-outside-compartment' });
  });

  it('an update that takes over another patient’s Observation is refused', () => {
    const d = decide(writer, 'PUT', 'Observation/obs-1', { body: obs(`Patient/${ME}`), before: obs(`Patient/${OTHER}`) });
    expect(d).toEqual({ verdict: 'deny', rule: 'write-outside-compartment' });
  });

  it('a patch whose result leaves the compartment is refused', () => {
    const d = decide(writer, 'PATCH', 'Observation/obs-1', { before: obs(`Patient/${ME}`), after: obs(`Patient/${OTHER}`) });
    expect(d).toEqual({ verdict: 'deny', rule: 'write-outside-compartment' });
  });

  it('deleting another patient’s Observation is refused', () => {
    expect(decide(writer, 'DELETE', 'Observation/obs-1', { before: obs(`Patient/${OTHER}`) }).verdict).toBe('deny');
  });

  it('a conditional update naming another patient is refused', () => {
    const d = decide(writer, 'PUT', `Observation?patient=${OTHER}&code=x`, { body: obs(`Patient/${ME}`), before: null });
    expect(d).toEqual({ verdict: 'deny', rule: 'compartment-value-not-permitted' });
  });

  it('updating or creating a Patient other than oneself is refused', () => {
    const other: Patient = { resourceType: 'Patient', id: OTHER };
    expect(decide(writer, 'PUT', `Patient/${OTHER}`, { body: other, before: other }).verdict).toBe('deny');
    expect(decide(writer, 'POST', 'Patient', { body: { resourceType: 'Patient' } }).verdict).toBe('deny');
  });

  it('an update without the stored version is refused (it could take over another patient’s resource)', () => {
    expect(decide(writer, 'PUT', 'Observation/obs-1', { body: obs(`Patient/${ME}`) })).toEqual({
      verdict: 'deny',
      rule: 'write-current-version-required',
    });
  });
});

describe('writes inside the compartment', () => {
  it('creating an Observation for oneself is allowed', () => {
    expect(decide(writer, 'POST', 'Observation', { body: obs(`Patient/${ME}`) }).verdict).toBe('allow');
  });

  it('updating one’s own Observation is allowed, and an update of a missing one (null) is a create', () => {
    expect(decide(writer, 'PUT', 'Observation/obs-1', { body: obs(`Patient/${ME}`), before: obs(`Patient/${ME}`) }).verdict).toBe('allow');
    expect(decide(writer, 'PUT', 'Observation/obs-1', { body: obs(`Patient/${ME}`), before: null }).verdict).toBe('allow');
  });

  it('the body must match the URL’s type and id', () => {
    expect(decide(writer, 'PUT', 'Observation/obs-2', { body: obs(`Patient/${ME}`), before: null })).toEqual({ verdict: 'deny', rule: 'body-id-mismatch' });
    expect(decide(writer, 'POST', 'Condition', { body: obs(`Patient/${ME}`) })).toEqual({ verdict: 'deny', rule: 'body-type-mismatch' });
  });

  it('a write must match the granular scope’s query', () => {
    const p = patient([`patient/Observation.cu?category=${LAB}`]);
    const lab = obs(`Patient/${ME}`, { category: [{ coding: [{ system: LAB.split('|')[0], code: 'laboratory' }] }] });
    expect(decide(p, 'POST', 'Observation', { body: lab }).verdict).toBe('allow');
    expect(decide(p, 'POST', 'Observation', { body: obs(`Patient/${ME}`) })).toEqual({ verdict: 'deny', rule: 'scope-query-not-matched' });
  });
});

describe('reference data outside the compartment', () => {
  it('is readable with a scope for that type', () => {
    const d = allowed(decide(patient(['patient/Practitioner.rs']), 'GET', 'Practitioner/d1'));
    expect(d.rule).toBe('reference-data');
  });

  it('is not readable without a scope for that type', () => {
    expect(decide(patient(['patient/Observation.rs']), 'GET', 'Practitioner/d1')).toEqual({ verdict: 'deny', rule: 'scope-missing:Practitioner.r' });
  });

  it('is read-only for a patient', () => {
    expect(decide(writer, 'POST', 'Organization', { body: { resourceType: 'Organization' } })).toEqual({ verdict: 'deny', rule: 'reference-data-read-only' });
  });

  it('other types outside the compartment are refused, and the list is configurable', () => {
    expect(decide(reader, 'GET', 'Questionnaire')).toEqual({ verdict: 'deny', rule: 'type-outside-compartment' });
    const config = { ...DEFAULT_AUTHORIZATION_CONFIG, referenceDataTypes: ['Questionnaire'] };
    expect(authorizeRequest(reader, req('GET', 'Questionnaire'), config).verdict).toBe('allow');
    expect(authorizeRequest(reader, req('GET', 'Practitioner'), config).verdict).toBe('deny');
  });
});

describe('operations', () => {
  it('Patient/<me>/$everything needs r and s on every compartment type', () => {
    expect(decide(reader, 'GET', `Patient/${ME}/$everything`).verdict).toBe('allow');
    expect(decide(patient(['patient/Patient.rs', 'patient/Observation.rs']), 'GET', `Patient/${ME}/$everything`)).toMatchObject({
      verdict: 'deny',
      rule: expect.stringMatching(/^scope-missing:/),
    });
    expect(decide(patient(['patient/*.r']), 'GET', `Patient/${ME}/$everything`).verdict).toBe('deny');
  });

  it('any other operation is refused unless configured', () => {
    expect(decide(reader, 'GET', 'Observation/$lastn')).toEqual({ verdict: 'deny', rule: 'operation-not-allowed' });
    expect(decide(reader, 'POST', 'Observation/o1/$meta-add')).toEqual({ verdict: 'deny', rule: 'operation-not-allowed' });
    const config = { ...DEFAULT_AUTHORIZATION_CONFIG, allowedOperations: [{ name: '$meta', levels: ['instance' as const], permission: 'r' as const }] };
    expect(authorizeRequest(reader, req('GET', 'Observation/o1/$meta'), config).verdict).toBe('allow');
    expect(authorizeRequest(reader, req('GET', `Patient/${OTHER}/$meta`), config).verdict).toBe('deny');
  });
});
