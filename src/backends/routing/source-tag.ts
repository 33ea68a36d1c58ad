/**
 * Where a resource in a routed answer came from: `meta.source` (a URI naming the backend, never its URL)
 * and a `meta.tag` coding, so clients can tell AHDS, Epic and Oracle Health results apart in a merged search.
 * EMR resource ids are qualified with the EMR's name (`epic.<id>`), which keeps them unique within the facade
 * and routes reads of them back to their EMR.
 *
 * @see https://hl7.org/fhir/R4/resource-definitions.html#Meta.source
 * @see https://hl7.org/fhir/R4/resource.html#tag
 */
import type { Coding, Resource } from '@medplum/fhirtypes';

export const SOURCE_TAG_SYSTEM = 'http://fhir-facade.example.org/CodeSystem/source-backend';
export const SOURCE_URI_PREFIX = 'urn:fhir-facade:backend:';

/** Sets `meta.source` and the source tag (replacing whatever the backend put there). */
export function tagSource(resource: Resource, backend: string): void {
  const meta = (resource.meta ??= {});
  meta.source = `${SOURCE_URI_PREFIX}${backend}`;
  const tags: Coding[] = (meta.tag ?? []).filter((t) => t.system !== SOURCE_TAG_SYSTEM);
  tags.push({ system: SOURCE_TAG_SYSTEM, code: backend, display: `Source: ${backend}` });
  meta.tag = tags;
}

/** `epic.abc` for EMR `epic`, id `abc`. */
export const qualifyId = (emr: string, id: string): string => `${emr}.${id}`;

/** The EMR and its own id when `id` is qualified with one of `emrs`. */
export function parseQualifiedId(id: string, emrs: Iterable<string>): { emr: string; id: string } | undefined {
  for (const emr of emrs) {
    if (id.startsWith(`${emr}.`) && id.length > emr.length + 1) return { emr, id: id.slice(emr.length + 1) };
  }
  return undefined;
}
