/**
 * Portal and provider-dashboard endpoints against the real local stack: the right data, masked, and only
 * for the right caller. BFF data comes through the same access path as FHIR REST (scopes, compartment,
 * provider access policy, masking, audit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSandbox } from '../../src/sandbox/index.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const sandbox = describeSandbox();
const PATIENT_SCOPE = 'openid fhirUser launch/patient patient/*.rs';
const USER_SCOPE = 'openid fhirUser user/*.rs';
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

async function get(path: string, token?: string): Promise<{ status: number; body: any; text: string }> {
  const res = await stack.fetch(path, token ? { token } : {});
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

/** No full SSN of any sandbox patient, in any common spelling. */
function expectNoFullSsn(text: string): void {
  for (const p of sandbox.patients) {
    expect(text).not.toContain(p.ssn);
    expect(text).not.toContain(p.ssnFormatted);
  }
}

describe('GET /bff/portal/me', () => {
  it("returns the patient's home screen: demographics, conditions, medications, allergies, vitals, labs; masked", async () => {
    const token = await stack.token('Patient/pat-001', PATIENT_SCOPE);
    const { status, body, text } = await get('/bff/portal/me', token);
    expect(status).toBe(200);
    const me = sandbox.patients.find((p) => p.id === 'pat-001')!;
    expect(body.patient).toMatchObject({ id: 'pat-001', birthDate: me.birthDate, gender: me.gender });
    expect(body.patient.name).toContain(me.family);
    expect(body.activeConditions.length).toBeGreaterThan(0);
    for (const c of body.activeConditions) expect(c).toMatchObject({ resourceType: 'Condition', status: 'active' });
    expect(body.activeMedications.length).toBeGreaterThan(0);
    for (const m of body.activeMedications) expect(m).toMatchObject({ resourceType: 'MedicationRequest', status: 'active' });
    expect(Array.isArray(body.allergies)).toBe(true);
    expect(body.latestVitalSigns.length).toBeGreaterThan(0);
    const vitalNames = body.latestVitalSigns.map((v: { display: string }) => v.display);
    expect(new Set(vitalNames).size).toBe(vitalNames.length); // one (the latest) per vital sign
    expect(body.recentLabs.length).toBeGreaterThan(0);
    for (const o of [...body.latestVitalSigns, ...body.recentLabs]) expect(o.id).toMatch(/^obs-001-/);
    expect(typeof body.appointmentsAvailable).toBe('boolean');
    expect(Array.isArray(body.upcomingAppointments)).toBe(true);
    const ssn = body.patient.identifiers.find((i: { system?: string }) => i.system === 'http://hl7.org/fhir/sid/us-ssn');
    expect(ssn?.value).toBeDefined();
    expectNoFullSsn(text);
  });

  it('a practitioner token cannot use the portal', async () => {
    const token = await stack.token('Practitioner/prac-01', USER_SCOPE);
    const { status, body } = await get('/bff/portal/me', token);
    expect(status).toBe(403);
    expect(body.resourceType).toBe('OperationOutcome');
  });

  it('no token, no data (401 OperationOutcome)', async () => {
    const { status, body } = await get('/bff/portal/me');
    expect(status).toBe(401);
    expect(body.resourceType).toBe('OperationOutcome');
  });

  it('a patient token without the scopes for a section is refused, not served around the policy', async () => {
    const token = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/Patient.rs');
    const { status } = await get('/bff/portal/me', token);
    expect(status).toBe(403);
  });
});

describe('GET /bff/portal/me/access-log', () => {
  it("shows who accessed my record, from the audit trail, and only my record's accesses", async () => {
    const prac = await stack.token('Practitioner/prac-01', USER_SCOPE);
    expect((await get('Patient/pat-002', prac)).status).toBe(200);
    expect((await get('Patient/pat-003', prac)).status).toBe(200);

    const token = await stack.token('Patient/pat-002', PATIENT_SCOPE);
    const { status, body, text } = await get('/bff/portal/me/access-log', token);
    expect(status).toBe(200);
    expect(body.patient).toBe('pat-002');
    const read = body.entries.find((e: { who: string; resource?: string }) => e.who === 'Practitioner/prac-01' && e.resource === 'Patient/pat-002');
    expect(read).toMatchObject({ interaction: 'read', outcome: 'success', purpose: 'treatment' });
    expect(text).not.toContain('pat-003');
    expectNoFullSsn(text);
  });

  it('a break-glass reason is shown to the patient, but never an SSN a clinician typed into it', async () => {
    const ssn = sandbox.patients.find((p) => p.id === 'pat-004')!.ssnFormatted;
    const bg = await stack.token('Practitioner/prac-01', USER_SCOPE); // prac-01 holds the break-glass role
    const opened = await stack.fetch('Patient/pat-004', { token: bg, headers: { 'x-break-glass-reason': `identity confirmed by SSN ${ssn}` } });
    expect(opened.status).toBe(200);

    const token = await stack.token('Patient/pat-004', PATIENT_SCOPE);
    const { status, body, text } = await get('/bff/portal/me/access-log', token);
    expect(status).toBe(200);
    const entry = body.entries.find((e: { purpose: string }) => e.purpose === 'emergency access (break-glass)');
    expect(entry?.breakGlassReason).toContain('identity confirmed by SSN');
    expectNoFullSsn(text);
  });

  it('a practitioner cannot read a patient access log through the portal', async () => {
    const prac = await stack.token('Practitioner/prac-01', USER_SCOPE);
    expect((await get('/bff/portal/me/access-log', prac)).status).toBe(403);
  });
});

describe('GET /bff/provider/patients', () => {
  it('lists exactly the patients the provider access policy lets the practitioner open, with their last encounter, masked', async () => {
    const token = await stack.token('Practitioner/prac-03', USER_SCOPE);
    const { status, body, text } = await get('/bff/provider/patients', token);
    expect(status).toBe(200);
    expect(body.practitioner).toBe('Practitioner/prac-03');
    const ids = body.patients.map((p: { id: string }) => p.id);
    expect(ids).toEqual([...sandbox.careRelationshipMap['prac-03']!].sort());
    for (const p of body.patients) {
      expect(p.lastEncounter).toMatchObject({ resourceType: 'Encounter' });
      expect(p.lastEncounter.id).toMatch(new RegExp(`^enc-${p.id.slice(4)}-`));
    }
    expectNoFullSsn(text);
  });

  it('a patient token cannot call provider endpoints', async () => {
    const token = await stack.token('Patient/pat-001', PATIENT_SCOPE);
    expect((await get('/bff/provider/patients', token)).status).toBe(403);
    expect((await get('/bff/provider/patients/pat-001/chart', token)).status).toBe(403);
  });
});

describe('GET /bff/provider/patients/:id/chart', () => {
  it("returns an allowed patient's chart summary, masked", async () => {
    const token = await stack.token('Practitioner/prac-01', USER_SCOPE);
    const { status, body, text } = await get('/bff/provider/patients/pat-004/chart', token);
    expect(status).toBe(200);
    expect(body.patient.id).toBe('pat-004');
    expect(body.activeConditions.length).toBeGreaterThan(0);
    expect(body.recentEncounters.length).toBeGreaterThan(0);
    for (const e of body.recentEncounters) expect(e.id).toMatch(/^enc-004-/);
    expectNoFullSsn(text);
  });

  it('a patient outside the practitioner panel is refused (403, naming the rule)', async () => {
    const token = await stack.token('Practitioner/prac-03', USER_SCOPE);
    const { status, body } = await get('/bff/provider/patients/pat-001/chart', token);
    expect(status).toBe(403);
    expect(body.issue[0].details.text).toContain('provider-access-policy');
  });

  it('a malformed id is a 400 OperationOutcome', async () => {
    const token = await stack.token('Practitioner/prac-01', USER_SCOPE);
    expect((await get('/bff/provider/patients/bad$id/chart', token)).status).toBe(400);
  });
});
