/**
 * Routes the sandbox adds to Medplum's `FhirRouter`, which has none of them out of the box:
 * type and system history, `Patient/[id]/$everything` and patient compartment search
 * (`Patient/[id]/[type]`). Handlers follow the router's convention: small functions returning
 * `[outcome, resource]`.
 *
 * @see https://hl7.org/fhir/R4/patient-operation-everything.html
 * @see https://hl7.org/fhir/R4/compartmentdefinition-patient.html
 */
import { Operator, allOk, badRequest, notFound, parseSearchRequest } from '@medplum/core';
import type { Bundle, BundleEntry, Reference, Resource, ResourceType } from '@medplum/fhirtypes';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import { getPatientCompartment } from './fhir-sandbox.definitions.js';
import type { SandboxRepository } from './fhir-sandbox.repository.js';

const intParam = (req: FhirRequest, key: string): number | undefined => {
  const raw = req.query[key];
  const value = Array.isArray(raw) ? raw.at(-1) : raw;
  return value && /^\d+$/.test(value) ? Number.parseInt(value, 10) : undefined;
};

/** Resource types of the Patient compartment and the search parameters that place them in it. */
function compartmentParams(): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const r of getPatientCompartment().resource ?? []) {
    if (r.param?.length) map.set(r.code, r.param);
  }
  return map;
}

/** Every resource of `type` in the compartment of `Patient/patientId`, narrowed by `extra` filters. */
async function inCompartment(repo: SandboxRepository, type: string, params: string[], patientId: string, req?: FhirRequest): Promise<Resource[]> {
  const base = req ? parseSearchRequest(type as ResourceType, req.query) : { resourceType: type as ResourceType, filters: [] };
  const found = new Map<string, Resource>();
  for (const param of params) {
    if (param === '{def}') continue;
    try {
      const matches = await repo.searchResources({
        ...base,
        count: undefined,
        offset: undefined,
        include: undefined,
        revInclude: undefined,
        filters: [...(base.filters ?? []), { code: param, operator: Operator.EQUALS, value: `Patient/${patientId}` }],
      });
      for (const m of matches) found.set(m.id, m);
    } catch {
      // A compartment parameter without a search parameter definition in R4 cannot match anything.
    }
  }
  return [...found.values()];
}

/**
 * `GET Patient/[id]/$everything`: the Patient, every resource in its compartment, and the resources those
 * reference (Practitioners, Organizations, …) as `include` entries. No paging: the sandbox's records are small.
 */
async function everything(req: FhirRequest, repo: SandboxRepository): Promise<FhirResponse> {
  const patient = await repo.readResource('Patient', req.params.id!);
  const entries: BundleEntry[] = [{ resource: patient, search: { mode: 'match' } }];
  const seen = new Set([`Patient/${patient.id}`]);
  for (const [type, params] of compartmentParams()) {
    if (type === 'Patient') continue;
    for (const r of await inCompartment(repo, type, params, patient.id!)) {
      const key = `${r.resourceType}/${r.id}`;
      if (!seen.has(key)) entries.push({ resource: r, search: { mode: 'match' } });
      seen.add(key);
    }
  }
  const referenced = new Set<string>();
  for (const e of entries) {
    for (const m of JSON.stringify(e.resource).matchAll(/"reference":"([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})"/g)) {
      if (!seen.has(m[1]!)) referenced.add(m[1]!);
    }
  }
  const found = await repo.readReferences([...referenced].sort().map((reference): Reference => ({ reference })));
  for (const r of found) {
    if (r instanceof Error) continue;
    entries.push({ resource: r, search: { mode: 'include' } });
  }
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: entries.filter((e) => e.search?.mode === 'match').length, entry: entries };
  return [allOk, bundle];
}

/** `GET Patient/[id]/[type]?…`: a search of `type` limited to the patient's compartment. */
async function compartmentSearch(req: FhirRequest, repo: SandboxRepository): Promise<FhirResponse> {
  const { compartmentType, id, type } = req.params as { compartmentType: string; id: string; type: string };
  if (compartmentType !== 'Patient') return [notFound];
  const params = compartmentParams().get(type);
  if (!params) return [badRequest(`${type} is not in the Patient compartment`)];
  await repo.readResource('Patient', id);
  const all = await inCompartment(repo, type, params, id, req);
  const offset = intParam(req, '_offset') ?? 0;
  const count = intParam(req, '_count');
  const page = count === undefined ? all.slice(offset) : all.slice(offset, offset + count);
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: all.length,
    ...(page.length ? { entry: page.map((resource) => ({ resource, search: { mode: 'match' as const } })) } : {}),
  };
  return [allOk, bundle];
}

/** Registers the sandbox's extra routes. `repo` must be the repository the router will be called with. */
export function addSandboxRoutes(router: FhirRouter, repo: SandboxRepository): void {
  const history = (req: FhirRequest) => ({ offset: intParam(req, '_offset'), count: intParam(req, '_count') });
  router.add('GET', '_history', async (req) => [allOk, repo.readSystemHistory(history(req))], 'history-system');
  router.add('GET', ':resourceType/_history', async (req) => [allOk, repo.readTypeHistory(req.params.resourceType!, history(req))], 'history-type');
  router.add('GET', 'Patient/:id/$everything', async (req) => everything(req, repo), 'operation');
  router.add('GET', ':compartmentType/:id/:type', async (req) => compartmentSearch(req, repo), 'search-type');
}
