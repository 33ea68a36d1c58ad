import type { Bundle, CareTeam, Encounter, Observation, Patient, PractitionerRole } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { authorizeRequest } from './authorization.policy.js';
import type { AllowDecision } from './authorization.types.js';
import { interactionFromRequest } from './fhir-interaction.parser.js';
import { decideProviderAccess, filterByProviderAccess, passesProviderCheck, type ProviderAccessChecker } from './provider-access.policy.js';

const DOC = 'Practitioner/doc-1';
const patient = (id: string, extra: Partial<Patient> = {}): Patient => ({ resourceType: 'Patient', id, ...extra });
const team = (subject: string, member: string, status: CareTeam['status'] = 'active'): CareTeam => ({
  resourceType: 'CareTeam',
  status,
  subject: { reference: subject },
  participant: [{ member: { reference: member } }],
});
const encounter = (subject: string, individual: string): Encounter => ({
  resourceType: 'Encounter',
  status: 'finished',
  class: { code: 'AMB' },
  subject: { reference: subject },
  participant: [{ individual: { reference: individual } }],
});
const role = (id: string, practitioner: string, organization: string, active = true): PractitionerRole => ({
  resourceType: 'PractitionerRole',
  id,
  active,
  practitioner: { reference: practitioner },
  organization: { reference: organization },
});

describe('care-team provider access', () => {
  it('a practitioner on the patient’s CareTeam may open the patient', () => {
    expect(decideProviderAccess('care-team', DOC, 'p1', { careTeams: [team('Patient/p1', DOC)] })).toBe(true);
  });

  it('a CareTeam of another patient does not open this one', () => {
    expect(decideProviderAccess('care-team', DOC, 'p1', { careTeams: [team('Patient/p2', DOC)] })).toBe(false);
  });

  it('an inactive CareTeam does not count', () => {
    expect(decideProviderAccess('care-team', DOC, 'p1', { careTeams: [team('Patient/p1', DOC, 'inactive')] })).toBe(false);
  });

  it('membership through one of the practitioner’s PractitionerRoles counts', () => {
    const facts = { careTeams: [team('Patient/p1', 'PractitionerRole/r1')], practitionerRoles: [role('r1', DOC, 'Organization/o1')] };
    expect(decideProviderAccess('care-team', DOC, 'p1', facts)).toBe(true);
    expect(decideProviderAccess('care-team', 'Practitioner/doc-2', 'p1', facts)).toBe(false);
  });

  it('the patient’s general practitioner may open the patient', () => {
    const p = patient('p1', { generalPractitioner: [{ reference: DOC }] });
    expect(decideProviderAccess('care-team', DOC, 'p1', { patient: p })).toBe(true);
    expect(decideProviderAccess('care-team', 'Practitioner/doc-2', 'p1', { patient: p })).toBe(false);
  });

  it('a practitioner who took part in an Encounter of the patient may open the patient', () => {
    expect(decideProviderAccess('care-team', DOC, 'p1', { encounters: [encounter('Patient/p1', DOC)] })).toBe(true);
    expect(decideProviderAccess('care-team', DOC, 'p1', { encounters: [encounter('Patient/p2', DOC)] })).toBe(false);
  });

  it('a practitioner with no relation to the patient may not open the patient', () => {
    expect(decideProviderAccess('care-team', DOC, 'p1', { patient: patient('p1'), careTeams: [team('Patient/p1', 'Practitioner/doc-9')] })).toBe(false);
  });
});

describe('organization provider access', () => {
  it('a practitioner working for the patient’s managing organization may open the patient', () => {
    const facts = { patient: patient('p1', { managingOrganization: { reference: 'Organization/o1' } }), practitionerRoles: [role('r1', DOC, 'Organization/o1')] };
    expect(decideProviderAccess('organization', DOC, 'p1', facts)).toBe(true);
  });

  it('another organization, an inactive role or someone else’s role does not open the patient', () => {
    const p = patient('p1', { managingOrganization: { reference: 'Organization/o1' } });
    expect(decideProviderAccess('organization', DOC, 'p1', { patient: p, practitionerRoles: [role('r1', DOC, 'Organization/o2')] })).toBe(false);
    expect(decideProviderAccess('organization', DOC, 'p1', { patient: p, practitionerRoles: [role('r1', DOC, 'Organization/o1', false)] })).toBe(false);
    expect(decideProviderAccess('organization', DOC, 'p1', { patient: p, practitionerRoles: [role('r1', 'Practitioner/x', 'Organization/o1')] })).toBe(false);
  });

  it('facts about a different Patient are ignored', () => {
    const facts = { patient: patient('p2', { managingOrganization: { reference: 'Organization/o1' } }), practitionerRoles: [role('r1', DOC, 'Organization/o1')] };
    expect(decideProviderAccess('organization', DOC, 'p1', facts)).toBe(false);
  });
});

describe('running the provider check', () => {
  const doctor: Principal = { issuer: 'i', subject: 's', clientId: 'c', kind: 'practitioner', fhirUser: DOC, scopes: ['user/*.rs'], roles: ['break-glass'], expiresAt: 2e9 };
  const checker: ProviderAccessChecker & { calls: string[] } = {
    calls: [],
    canOpen(_p, id) {
      this.calls.push(id);
      return Promise.resolve(id === 'mine');
    },
  };
  const decide = (url: string, breakGlassReason?: string): AllowDecision => {
    const d = authorizeRequest(doctor, { ...interactionFromRequest('GET', url)!, ...(breakGlassReason ? { breakGlassReason } : {}) });
    if (d.verdict !== 'allow') throw new Error(d.rule);
    return d;
  };
  const obs = (id: string, subject: string): Observation => ({ resourceType: 'Observation', id, status: 'final', code: {}, subject: { reference: subject } });

  it('a practitioner may not open a patient outside their care team', async () => {
    expect(await passesProviderCheck(doctor, decide('Patient/theirs'), checker)).toBe(false);
    expect(await passesProviderCheck(doctor, decide('Patient/mine'), checker)).toBe(true);
  });

  it('break-glass skips the check', async () => {
    expect(await passesProviderCheck(doctor, decide('Patient/theirs', 'emergency'), checker)).toBe(true);
  });

  it('search results of patients outside the care team are removed, each patient checked once', async () => {
    checker.calls = [];
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 3,
      entry: [{ resource: obs('a', 'Patient/mine') }, { resource: obs('b', 'Patient/theirs') }, { resource: obs('c', 'Patient/theirs') }],
    };
    const out = await filterByProviderAccess(bundle, doctor, decide('Observation?code=x'), checker);
    expect(out?.entry?.map((e) => e.resource?.id)).toEqual(['a']);
    expect(out?.total).toBeUndefined();
    expect(checker.calls.sort()).toEqual(['mine', 'theirs']);
  });

  it('a single read of a resource of a patient outside the care team gives null', async () => {
    expect(await filterByProviderAccess(obs('b', 'Patient/theirs'), doctor, decide('Observation/b'), checker)).toBeNull();
    expect(await filterByProviderAccess(obs('a', 'Patient/mine'), doctor, decide('Observation/a'), checker)).not.toBeNull();
  });
});
