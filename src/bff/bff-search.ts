/**
 * BFF data access: every read and search goes through FhirAccessService.handle with the caller's principal
 * and the request's access record, exactly like a FHIR REST call (SMART scopes, compartment, provider
 * access policy, PHI masking, patients recorded for the audit). There is no other way to the backend here.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { AccessContext, FhirAccessService } from '../fhir/fhir-access.service.js';
import { interaction } from '../fhir/fhir-request.parser.js';

/** The matched resources of a search (never `_include`d extras). */
export async function search<T extends Resource>(access: FhirAccessService, ctx: AccessContext, resourceType: string, params: Record<string, string>): Promise<T[]> {
  const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]]));
  const result = await access.handle(interaction('search-type', { resourceType, params: p }), ctx);
  const bundle = result.body as Bundle | undefined;
  return (bundle?.entry ?? [])
    .filter((e) => e.search?.mode !== 'include' && e.resource?.resourceType === resourceType)
    .map((e) => e.resource as T);
}

export async function read<T extends Resource>(access: FhirAccessService, ctx: AccessContext, resourceType: string, id: string): Promise<T> {
  return (await access.handle(interaction('read', { resourceType, id }), ctx)).body as T;
}

/**
 * A search whose source may be missing (Appointment from an EMR that is not configured, or a scope that
 * does not cover it): an empty list and `available: false` instead of failing the whole page.
 */
export async function searchOptional<T extends Resource>(
  access: FhirAccessService,
  ctx: AccessContext,
  resourceType: string,
  params: Record<string, string>,
): Promise<{ available: boolean; items: T[] }> {
  try {
    return { available: true, items: await search<T>(access, ctx, resourceType, params) };
  } catch {
    return { available: false, items: [] };
  }
}
