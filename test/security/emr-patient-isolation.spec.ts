/**
 * A patient's token never sees another patient's EMR data, whatever the cross-walk, routing or paging does.
 *
 * pat-001 is the caller. The traps in the EMR sandboxes are real: Epic's patient with id `pat-001` is
 * MRN-0004 (pat-004), and each EMR has a patient with no counterpart in the facade. A system token (the
 * oracle) first shows that the other patients' EMR data exists, so the refusals are not vacuous.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SCOPE = 'openid fhirUser launch/patient patient/*.rs';
/** pat-004's EMR data (reachable through Epic's `pat-001` id), the orphans', and pat-002's. */
const FOREIGN = ['epic-appt-0004-', 'epic-rx-0004', 'cerner-appt-0004-', 'appt-9101', 'appt-9201', 'rx-9101', 'rx-9201', 'epic-appt-0002-', 'cerner-rx-0002', 'epic-appt-external'];

let stack: TestStack;
let mine: string;
let other: string;
let oracle: string;
beforeAll(async () => {
  stack = await startTestStack({ emr: true });
  mine = await stack.token('Patient/pat-001', SCOPE);
  other = await stack.token('Patient/pat-002', SCOPE);
  oracle = await stack.systemToken('system/*.cruds');
});
afterAll(() => stack?.close());

const get = async (path: string, token: string) => {
  const res = await stack.fetch(path, { token });
  return { status: res.status, text: await res.text(), res };
};
const expectNoForeign = (text: string) => {
  for (const marker of FOREIGN) expect(text, marker).not.toContain(marker);
};

describe('EMR data and the patient compartment', () => {
  it('the oracle sees the other patients\u2019 EMR data', async () => {
    const text = (await get('Appointment?patient=pat-004', oracle)).text + (await get('MedicationRequest?patient=pat-002', oracle)).text;
    expect(text).toContain('epic-appt-0004-1');
    expect(text).toContain('cerner-rx-0002');
  });

  it("a patient's own searches bring their EMR data and nobody else's", async () => {
    for (const path of ['Appointment', 'MedicationRequest', 'Appointment?_count=1', 'MedicationRequest?_count=100', 'Appointment?status=booked']) {
      const { status, text } = await get(path, mine);
      expect(status, path).toBe(200);
      expectNoForeign(text);
      const bundle = JSON.parse(text) as Bundle;
      for (const e of bundle.entry ?? []) {
        if (e.search?.mode === 'outcome') continue;
        const refs = [...JSON.stringify(e.resource).matchAll(/"reference":"(Patient\/[^"]+)"/g)].map((m) => m[1]);
        expect(refs.every((r) => r === 'Patient/pat-001'), path).toBe(true);
      }
    }
    const { text } = await get('Appointment', mine);
    expect(text).toContain('epic.epic-appt-0001-1');
    expect(text).toContain('cerner.cerner-appt-0001-1');
  });

  it("reading another patient's EMR resource by its qualified id is a 404", async () => {
    for (const id of ['epic.epic-appt-0004-1', 'epic.epic-appt-9101-1', 'cerner.cerner-appt-0002-1', 'epic.epic-appt-external']) {
      const { status, text } = await get(`Appointment/${id}`, mine);
      expect([403, 404], id).toContain(status);
      expectNoForeign(text);
    }
    expect((await get('MedicationRequest/epic.epic-rx-0004', mine)).status).toBe(404);
  });

  it('naming another patient, or an EMR patient id, in the query gets nothing of theirs', async () => {
    for (const path of ['Appointment?patient=pat-004', 'Appointment?actor=Patient/pat-002', 'MedicationRequest?subject=Patient/pat-004']) {
      const { status, text } = await get(path, mine);
      expect(status, path).toBe(403);
      expectNoForeign(text);
    }
    for (const path of ['Appointment?_id=epic.epic-appt-0004-1', 'MedicationRequest?_id=epic.epic-rx-0004,cerner.cerner-rx-0002']) {
      const { status, text } = await get(path, mine);
      expect(status, path).toBe(200);
      expect((JSON.parse(text) as Bundle).entry ?? [], path).toEqual([]); // the self link echoes the caller's own query
    }
  });

  it("another patient's paging cursor is refused, with or without the owner's patient parameter", async () => {
    const first = JSON.parse((await get('Appointment?_count=1', mine)).text) as Bundle;
    const next = first.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toContain('_cursor=');
    const asOther = await get(next!.slice(stack.fhirBase.length + 1), other);
    expect(asOther.status).toBe(403);
    const cursor = new URL(next!).searchParams.get('_cursor')!;
    const stripped = await get(`Appointment?_count=1&_cursor=${encodeURIComponent(cursor)}`, other);
    expect(stripped.status).toBe(400);
    expectNoForeign(stripped.text);
  });

  it('a forged or altered cursor is a 400', async () => {
    const first = JSON.parse((await get('MedicationRequest?_count=1', mine)).text) as Bundle;
    const cursor = new URL(first.link!.find((l) => l.relation === 'next')!.url).searchParams.get('_cursor')!;
    const altered = cursor.slice(0, -2) + (cursor.endsWith('A') ? 'BB' : 'AA');
    for (const c of [altered, 'c1.AAAA', 'c1.' + Buffer.from(JSON.stringify({ pages: { epic: 'Appointment?patient=pat-001' } })).toString('base64url')]) {
      expect((await get(`MedicationRequest?_count=1&_cursor=${encodeURIComponent(c)}`, mine)).status).toBe(400);
    }
  });

  it('EMR Patient resources never come back, not even through _include', async () => {
    const { text } = await get('Appointment?_include=Appointment:patient&_include=Appointment:actor', mine);
    const bundle = JSON.parse(text) as Bundle;
    const patients = (bundle.entry ?? []).map((e) => e.resource as Resource).filter((r) => r?.resourceType === 'Patient');
    expect(patients.every((p) => p.id === 'pat-001' && !p.meta?.source)).toBe(true);
    expectNoForeign(text);
  });

  it('EMR data cannot be written through the facade', async () => {
    const body = JSON.stringify({ resourceType: 'Appointment', id: 'epic.epic-appt-0001-1', status: 'cancelled', participant: [{ actor: { reference: 'Patient/pat-001' }, status: 'declined' }] });
    const res = await stack.fetch('Appointment/epic.epic-appt-0001-1', { token: oracle, method: 'PUT', body, headers: { 'content-type': 'application/fhir+json' } });
    expect(res.status).toBe(405);
    const still = JSON.parse((await get('Appointment/epic.epic-appt-0001-1', oracle)).text) as { status: string };
    expect(still.status).toBe('booked');
  });
});
