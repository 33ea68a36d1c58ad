/**
 * The sandbox's in-memory FHIR store: Medplum's `MemoryRepository` with the gaps a stand-in for Azure FHIR
 * must not have filled in.
 *
 * - History: `MemoryRepository.readHistory` reverses its stored list in place (every second call comes back
 *   oldest-first), records no deletes and has no type or system level. Here every write is logged once, in
 *   order, and history is served from that log (instance, type and system level, newest first, deletes included).
 * - Transactions: `MemoryRepository.withTransaction` just runs the callback, so a failing transaction left its
 *   earlier entries written. Here the store is snapshotted and restored when the callback throws.
 * - `_has` (reverse chaining): `MemoryRepository` treats it as an unknown filter and silently matches nothing,
 *   which would make "`_has` leaks nothing" tests pass vacuously. Here it is evaluated.
 *
 * @see https://hl7.org/fhir/R4/http.html#history
 * @see https://hl7.org/fhir/R4/search.html#has
 */
import type { SearchRequest, WithId } from '@medplum/core';
import { Operator, created, deepClone, evalFhirPath, getSearchParameter } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome, Reference, Resource } from '@medplum/fhirtypes';
import type { CreateResourceOptions, DeleteResourceOptions } from '@medplum/fhir-router';
import { MemoryRepository } from '@medplum/fhir-router';

/** One logged write. */
interface VersionRecord {
  readonly resourceType: string;
  readonly id: string;
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly lastUpdated: string;
  /** Absent for deletes. */
  readonly resource?: Resource;
}

/** MemoryRepository's private stores, reached for transaction snapshots (see class comment). */
interface MemoryStores {
  resources: Map<string, Map<string, Resource>>;
  history: Map<string, Map<string, Resource[]>>;
}

export interface HistoryOptions {
  readonly offset?: number;
  readonly count?: number;
}

export class SandboxRepository extends MemoryRepository {
  private readonly log: VersionRecord[] = [];

  override async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions, update = false): Promise<WithId<T>> {
    const result = await super.createResource(resource, options, update);
    this.record(update ? 'PUT' : 'POST', result);
    return result;
  }

  override async conditionalCreate<T extends Resource>(
    resource: T,
    search: SearchRequest<T>,
    options?: CreateResourceOptions,
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    // MemoryRepository creates through a private method here, so the write is logged after the fact.
    const result = await super.conditionalCreate(resource, search, options);
    if (result.outcome.id === created.id) this.record('POST', result.resource);
    return result;
  }

  override async deleteResource(resourceType: string, id: string, options?: DeleteResourceOptions): Promise<void> {
    await super.deleteResource(resourceType, id, options);
    this.log.push({ resourceType, id, method: 'DELETE', lastUpdated: new Date().toISOString() });
  }

  override async readHistory<T extends Resource>(resourceType: string, id: string, options?: HistoryOptions): Promise<Bundle<T>> {
    if (!this.log.some((r) => r.resourceType === resourceType && r.id === id)) {
      await this.readResource(resourceType, id); // throws not-found
    }
    return this.historyBundle((r) => r.resourceType === resourceType && r.id === id, options) as Bundle<T>;
  }

  /** Type-level history: `GET [type]/_history`. */
  readTypeHistory(resourceType: string, options?: HistoryOptions): Bundle {
    return this.historyBundle((r) => r.resourceType === resourceType, options);
  }

  /** System-level history: `GET /_history`. */
  readSystemHistory(options?: HistoryOptions): Bundle {
    return this.historyBundle(() => true, options);
  }

  override async withTransaction<TResult>(callback: (repo: this) => Promise<TResult>): Promise<TResult> {
    const stores = this as unknown as MemoryStores;
    const resources = new Map([...stores.resources].map(([type, byId]) => [type, new Map(byId)]));
    const history = new Map(
      [...stores.history].map(([type, byId]) => [type, new Map([...byId].map(([id, versions]) => [id, [...versions]]))]),
    );
    const logLength = this.log.length;
    try {
      return await callback(this);
    } catch (err) {
      restore(stores.resources, resources);
      restore(stores.history, history);
      this.log.length = logLength;
      throw err;
    }
  }

  override async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const has = searchRequest.filters?.filter((f) => f.code.startsWith('_has:')) ?? [];
    if (has.length === 0) return super.search(searchRequest);
    let ids: Set<string> | undefined;
    for (const filter of has) {
      const matched = await this.reverseChain(searchRequest.resourceType, filter.code, filter.value);
      ids = ids ? new Set([...ids].filter((id) => matched.has(id))) : matched;
    }
    if (ids!.size === 0) return { resourceType: 'Bundle', type: 'searchset', total: 0 };
    const filters = (searchRequest.filters ?? []).filter((f) => !f.code.startsWith('_has:'));
    filters.push({ code: '_id', operator: Operator.EQUALS, value: [...ids!].join(',') });
    return super.search({ ...searchRequest, filters });
  }

  /**
   * `_has:Observation:subject:code=1234` on Patient: ids of Patients referenced through `subject` by an
   * Observation matching `code=1234`. The inner parameter may itself be a `_has` (nesting).
   */
  private async reverseChain(baseType: string, code: string, value: string): Promise<Set<string>> {
    const [, targetType, refParam, ...rest] = code.split(':');
    const param = targetType && refParam ? getSearchParameter(targetType, refParam) : undefined;
    if (!param?.expression || rest.length === 0) {
      throw new Error(`Invalid _has parameter: ${code}`);
    }
    const targets = await this.searchResources({
      resourceType: targetType as Resource['resourceType'],
      filters: [{ code: rest.join(':'), operator: Operator.EQUALS, value }],
    });
    const ids = new Set<string>();
    for (const target of targets) {
      for (const ref of evalFhirPath(param.expression, target) as Reference[]) {
        const [type, id] = ref?.reference?.split('/') ?? [];
        if (type === baseType && id) ids.add(id);
      }
    }
    return ids;
  }

  private record(method: 'POST' | 'PUT', resource: Resource): void {
    this.log.push({
      resourceType: resource.resourceType,
      id: resource.id!,
      method,
      lastUpdated: resource.meta?.lastUpdated ?? new Date().toISOString(),
      resource: deepClone(resource),
    });
  }

  private historyBundle(pick: (r: VersionRecord) => boolean, options?: HistoryOptions): Bundle {
    const all = this.log.filter(pick).reverse();
    const offset = options?.offset ?? 0;
    const page = options?.count === undefined ? all.slice(offset) : all.slice(offset, offset + options.count);
    const entry = page.map((r): BundleEntry => {
      const url = r.method === 'POST' ? r.resourceType : `${r.resourceType}/${r.id}`;
      const status = r.method === 'POST' ? '201 Created' : r.method === 'DELETE' ? '204 No Content' : '200 OK';
      return {
        ...(r.resource ? { resource: deepClone(r.resource) } : {}),
        request: { method: r.method, url },
        response: {
          status,
          lastModified: r.lastUpdated,
          ...(r.resource?.meta?.versionId ? { etag: `W/"${r.resource.meta.versionId}"` } : {}),
        },
      };
    });
    return { resourceType: 'Bundle', type: 'history', total: all.length, ...(entry.length ? { entry } : {}) };
  }
}

function restore<V>(target: Map<string, V>, snapshot: Map<string, V>): void {
  target.clear();
  for (const [k, v] of snapshot) target.set(k, v);
}
