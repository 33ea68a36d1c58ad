/**
 * What a write needs before it can be decided: a structurally valid body (Medplum's validator against
 * the R4 StructureDefinitions), the stored version it would change ("before"), and for a patch the
 * result it would produce ("after"). Under patient and user scopes both must stay inside what the caller
 * may touch, so a write cannot move a resource out of, or take one over into, a compartment.
 *
 * @see https://hl7.org/fhir/R4/http.html#update
 * @see https://hl7.org/fhir/R4/http.html#patch
 */
import { applyPatch, deepClone, OperationOutcomeError as MedplumOutcomeError, validateResource } from '@medplum/core';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { FhirBackend } from '../backends/index.js';
import type { BundleEntryStates, FhirInteraction } from '../smart/index.js';
import { interactionFromBundleEntry } from '../smart/index.js';
import { ensureStructureDefinitions } from '../smart/fhir-definitions.js';
import { encodeQuery } from './fhir-request.parser.js';
import { badRequest, invalidResource, OperationOutcomeError, preconditionFailed } from './outcomes.js';

export interface WriteState {
  readonly before?: Resource | null;
  readonly after?: Resource;
}

export class WritePreparation {
  constructor(private readonly backend: FhirBackend) {
    ensureStructureDefinitions();
  }

  /** Validates the body and loads the states of a single write; other interactions pass through. */
  async prepare(i: FhirInteraction): Promise<WriteState> {
    switch (i.interaction) {
      case 'create':
        validate(i.body);
        return {};
      case 'update': {
        validate(i.body);
        return { before: await this.current(i) };
      }
      case 'patch': {
        const before = await this.current(i);
        if (!before) return { before };
        const after = patched(before, i.body);
        validate(after);
        return { before, after };
      }
      case 'delete':
        return { before: await this.current(i) };
      default:
        return {};
    }
  }

  /** The states of every entry of a batch or transaction, by entry index. */
  async prepareBundle(i: FhirInteraction): Promise<BundleEntryStates> {
    const bundle = i.body as Bundle | undefined;
    if (bundle?.resourceType !== 'Bundle') throw badRequest('Body must be a Bundle');
    return Promise.all(
      (bundle.entry ?? []).map(async (entry) => {
        const one = interactionFromBundleEntry(entry);
        if (!one || !['create', 'update', 'patch', 'delete'].includes(one.interaction)) return undefined;
        return this.prepare(one);
      }),
    );
  }

  /** The stored resource an update/patch/delete targets: by id, or by the conditional query (one match). */
  private async current(i: FhirInteraction): Promise<Resource | null> {
    if (i.id) {
      try {
        return (await this.backend.request({ method: 'GET', path: `${i.resourceType}/${i.id}` })).body as Resource;
      } catch (err) {
        if (err instanceof OperationOutcomeError && (err.status === 404 || err.status === 410)) return null;
        throw err;
      }
    }
    const res = await this.backend.request({ method: 'GET', path: i.resourceType!, query: `${encodeQuery(i.params)}&_count=2` });
    const matches = ((res.body as Bundle | undefined)?.entry ?? []).filter((e) => e.search?.mode !== 'include' && e.resource);
    if (matches.length > 1) throw preconditionFailed();
    return (matches[0]?.resource as Resource | undefined) ?? null;
  }
}

/** Structural validation; every issue keeps its FHIRPath `expression`. */
export function validate(body: unknown): void {
  if (!body || typeof body !== 'object' || typeof (body as Resource).resourceType !== 'string') {
    throw badRequest('Body must be a FHIR resource');
  }
  try {
    const issues = validateResource(body as Resource);
    const errors = (issues ?? []).filter((x) => x.severity === 'error' || x.severity === 'fatal');
    if (errors.length) throw invalidResource(errors.map(safeIssue));
  } catch (err) {
    if (err instanceof OperationOutcomeError) throw err;
    if (err instanceof MedplumOutcomeError) throw invalidResource((err.outcome.issue ?? []).map(safeIssue));
    throw badRequest('Invalid resource');
  }
}

/** Keeps the code and the path of an issue, drops any echoed value (it may be PHI). */
function safeIssue(issue: OperationOutcomeIssue): OperationOutcomeIssue {
  return {
    severity: issue.severity,
    code: issue.code,
    details: { text: describeIssue(issue) },
    ...(issue.expression ? { expression: issue.expression } : {}),
  };
}

function describeIssue(issue: OperationOutcomeIssue): string {
  switch (issue.code) {
    case 'required':
      return 'Missing required element';
    case 'structure':
      return 'Invalid element or structure';
    case 'value':
      return 'Invalid value';
    default:
      return 'Invalid resource';
  }
}

function patched(before: Resource, patch: unknown): Resource {
  if (!Array.isArray(patch)) throw badRequest('PATCH body must be a JSON Patch array');
  const copy = deepClone(before);
  const errors = applyPatch(copy, patch as never).filter((e) => e !== null);
  if (errors.length) throw badRequest('JSON Patch could not be applied');
  if (copy.resourceType !== before.resourceType || copy.id !== before.id) throw badRequest('JSON Patch must not change resourceType or id');
  return copy;
}
