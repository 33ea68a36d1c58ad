/**
 * Cross-walk and merged searches through the facade on a real port, across the AHDS sandbox and the Epic-like
 * and Oracle Health-like EMR sandboxes (each with its own patient ids, MRNs shared): results merged, tagged
 * with their source, de-duplicated, paged through the facade's own cursor, and never showing an EMR URL or id.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_TAG_SYSTEM } from '../../src/backends/index.js';
import { describeEmrPatients, EMR_SYSTEMS } from '../../src/sandbox/emr-sandbox.data.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

let stack: TestStack;
let token: string;
beforeAll(async () => {
  stack = await startTestStack({ emr: true });
  token = await stack.systemToken('system/*.rs');
});
afterAll(() => stack?.close());

const search = async (query: string): Promise<Bundle> => {
  const res = await stack.fetch(query, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as Bundle;
};
const matches = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource!);
const source = (r: Resource) => r.meta?.tag?.find((t) => t.system === SOURCE_TAG_SYSTEM)?.code;
const patientOf = (r: Resource) => JSON.stringify(r).match(/"reference":"(Patient\/[^"]+)"/)?.[1];

/** Follows `next` links from the first page, returning every page. */
async function allPages(query: string): Promise<Bundle[]> {
  const pages: Bundle[] = [];
  let url: string | undefined = query;
  while (url && pages.length < 50) {
    const page = await search(url);
    const count = Number(new URLSearchParams(url.split('?')[1]).get('_count'));
    if (count > 0) expect(matches(page).length).toBeLessThanOrEqual(count);
    pages.push(page);
    const next = page.link?.find((l) => l.relation === 'next')?.url;
    if (next) expect(next.startsWith(`${stack.fhirBase}/`)).toBe(true);
    url = next?.slice(stack.fhirBase.length + 1);
  }
  return pages;
}

describe('merged searches across AHDS, Epic and Oracle Health', () => {
  it("a patient's MedicationRequests come from all three backends, each tagged with its source", async () => {
    const bundle = await search('MedicationRequest?patient=pat-002');
    const found = matches(bundle);
    expect(new Set(found.map(source))).toEqual(new Set(['ahds', 'epic', 'cerner']));
    for (const r of found) {
      expect(r.meta?.source).toBe(`urn:fhir-facade:backend:${source(r)}`);
      expect(patientOf(r)).toBe('Patient/pat-002');
      if (source(r) !== 'ahds') expect(r.id!.startsWith(`${source(r)}.`)).toBe(true);
    }
    expect(bundle.total).toBe(found.length);
    for (const e of bundle.entry ?? []) if (e.resource?.resourceType !== 'OperationOutcome') expect(e.fullUrl).toBe(`${stack.fhirBase}/MedicationRequest/${e.resource!.id}`);
  });

  it('the cross-walk goes through the MRN: no EMR patient id or URL ever appears', async () => {
    const text = JSON.stringify(await search('Appointment?patient=pat-003')) + JSON.stringify(await search('MedicationRequest?subject=Patient/pat-005'));
    for (const kind of ['epic', 'cerner'] as const) {
      for (const p of describeEmrPatients(kind)) if (p.id !== p.facadeId) expect(text).not.toContain(`Patient/${p.id}"`);
      expect(text).not.toContain(new URL(stack.emr![kind].fhirBaseUrl).host);
      expect(text).not.toContain(EMR_SYSTEMS[kind].mrn);
    }
  });

  it("Epic's patient whose EMR id equals a facade id is matched by MRN, not by id", async () => {
    // In Epic, `pat-001` is MRN-0004's id: pat-004 gets those appointments, pat-001 gets its own.
    const four = matches(await search('Appointment?patient=pat-004')).filter((r) => source(r) === 'epic');
    expect(four.map((r) => r.id).sort()).toEqual(['epic.epic-appt-0004-1', 'epic.epic-appt-0004-2']);
    const one = matches(await search('Appointment?patient=pat-001')).filter((r) => source(r) === 'epic');
    expect(one.map((r) => r.id).sort()).toEqual(['epic.epic-appt-0001-1', 'epic.epic-appt-0001-2']);
  });

  it('a prescription both EMRs hold (same identifier) is shown once', async () => {
    const found = matches(await search('MedicationRequest?patient=pat-001'));
    const shared = found.filter((r) => JSON.stringify(r).includes('RX-epic-MRN-0001'));
    expect(shared).toHaveLength(1);
    expect(source(shared[0]!)).toBe('epic');
  });

  it('paging with _count=2 visits every merged result exactly once, never more than _count per page', async () => {
    const all = matches(await search('MedicationRequest?patient=pat-001&_count=100')).map((r) => r.id).sort();
    const pages = await allPages('MedicationRequest?patient=pat-001&_count=2');
    expect(pages.flatMap(matches).map((r) => r.id).sort()).toEqual(all);
    expect(pages.slice(0, -1).every((p) => matches(p).length === 2)).toBe(true);
  });

  it('paging with _count=1 visits every merged result exactly once, through facade cursors', async () => {
    const all = matches(await search('MedicationRequest?patient=pat-003&_count=100')).map((r) => r.id).sort();
    expect(all.length).toBeGreaterThanOrEqual(4);
    const pages = await allPages('MedicationRequest?patient=pat-003&_count=1');
    const paged = pages.flatMap(matches).map((r) => r.id);
    expect([...paged].sort()).toEqual(all);
    expect(new Set(paged).size).toBe(paged.length);
    expect(pages.length).toBeGreaterThan(1);
    for (const p of pages.slice(0, -1)) expect(p.link?.find((l) => l.relation === 'next')?.url).toContain('_cursor=');
  });

  it('Appointments route to both EMRs only, and page across them', async () => {
    const pages = await allPages('Appointment?patient=pat-003&_count=1');
    const ids = pages.flatMap(matches).map((r) => r.id).sort();
    expect(ids).toEqual(['cerner.cerner-appt-0003-1', 'cerner.cerner-appt-0003-2', 'epic.epic-appt-0003-1', 'epic.epic-appt-0003-2']);
  });

  it('reads a qualified id from its EMR, with the patient translated', async () => {
    const res = await stack.fetch('Appointment/cerner.cerner-appt-0011-1', { token });
    expect(res.status).toBe(200);
    const appt = (await res.json()) as Resource;
    expect(patientOf(appt)).toBe('Patient/pat-011');
    expect(source(appt)).toBe('cerner');
  });

  it('Slots come from both EMRs without a patient', async () => {
    const found = matches(await search('Slot?status=free'));
    expect(new Set(found.map(source))).toEqual(new Set(['epic', 'cerner']));
    expect(found.every((r) => (r as { schedule?: { reference?: string } }).schedule?.reference?.match(/^Schedule\/(epic|cerner)\./))).toBe(true);
  });

  it('results whose patient does not map back are dropped, and an EMR that needs a patient says so', async () => {
    const bundle = await search('Appointment?_count=100');
    const found = matches(bundle);
    expect(found.length).toBeGreaterThan(0);
    for (const r of found) expect(patientOf(r)).toMatch(/^Patient\/pat-\d{3}$/);
    expect(found.some((r) => r.id === 'epic.epic-appt-9101-1' || r.id === 'epic.epic-appt-external')).toBe(false);
    const outcomes = (bundle.entry ?? []).filter((e: BundleEntry) => e.search?.mode === 'outcome');
    expect(outcomes.map((e) => JSON.stringify(e.resource))).toEqual([expect.stringContaining('Backend cerner does not support this search')]);
  });

  it('types without a route stay on the primary, unchanged and untagged', async () => {
    const found = matches(await search('Condition?patient=pat-001'));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((r) => source(r) === undefined)).toBe(true);
  });
});
