/**
 * A search answered by several backends (AHDS and EMRs) as one searchset: each backend is asked in parallel
 * (EMRs in their own terms, see emr-query.translator.ts), EMR answers are translated back, every resource is
 * tagged with its source, duplicates (a shared business identifier) are shown once (the first backend in the
 * route wins), and paging continues through a sealed facade-side cursor. A backend that fails leaves its
 * results out with an OperationOutcome entry (`search.mode = outcome`) saying so, or fails the whole search
 * when so configured; when every backend fails, the search fails.
 *
 * @see https://hl7.org/fhir/R4/http.html#paging
 * @see https://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.search.mode
 */
import { createHash } from 'node:crypto';
import type { Bundle, BundleEntry, BundleLink, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { badGateway, OperationOutcomeError, outcome } from '../../fhir/outcomes.js';
import type { EmrAdapter } from '../emr/emr-adapter.js';
import type { PatientCrosswalk } from '../emr/patient-crosswalk.js';
import type { BackendRequest, BackendResponse, FhirBackend } from '../fhir-backend.js';
import type { EmrResultTranslator } from './emr-result.translator.js';
import { toEmrQuery } from './emr-query.translator.js';
import { cursorBinding, type CursorPage, type SearchCursorCodec } from './search-cursor.js';
import { tagSource } from './source-tag.js';

export interface SearchSource {
  readonly name: string;
  readonly backend: FhirBackend;
  readonly emr?: { readonly adapter: EmrAdapter; readonly crosswalk: PatientCrosswalk; readonly translator: EmrResultTranslator };
}

interface Page {
  readonly matches: BundleEntry[];
  readonly includes: BundleEntry[];
  readonly next?: string;
  readonly total?: number;
}

/** Identifiers remembered across pages for de-duplication (bounds the cursor's size). */
const MAX_SEEN = 200;

type Outcome = { page: Page; at: CursorPage } | { skipped: string } | { failed: unknown };

export class MergedSearch {
  constructor(
    private readonly baseUrl: string,
    private readonly cursors: SearchCursorCodec,
    private readonly failureMode: 'partial' | 'fail',
  ) {}

  /**
   * One page of the merged search. With `_count`, the page holds at most that many matches, taken in turn
   * from each backend; a backend whose page was not used up continues from the same page (skipping what was
   * shown) on the next one, so every result is shown exactly once.
   */
  async run(resourceType: string, params: URLSearchParams, sources: readonly SearchSource[], headers?: BackendRequest['headers']): Promise<BackendResponse> {
    const cursor = params.get('_cursor');
    const query = new URLSearchParams([...params].filter(([k]) => k !== '_cursor'));
    const binding = cursorBinding(resourceType, query);
    const state = cursor !== null ? await this.cursors.open(cursor, binding) : undefined;
    const asked = state ? sources.filter((s) => state.pages[s.name] !== undefined) : sources;
    const results = await Promise.all(
      asked.map(async (source): Promise<Outcome> => {
        try {
          const at = state ? state.pages[source.name]! : await this.firstPage(resourceType, query, source);
          if ('skipped' in at) return at;
          return { page: await this.fetchPage(source, { ...fromRelative(at.page), headers }), at };
        } catch (failed) {
          return { failed };
        }
      }),
    );

    const failures = results.flatMap((r, i) => ('failed' in r ? [{ source: asked[i]!, error: r.failed }] : []));
    const pages = results.flatMap((r, i) => ('page' in r ? [{ source: asked[i]!, page: r.page, at: r.at }] : []));
    if (failures.length && (this.failureMode === 'fail' || pages.length === 0)) throw asOutcomeError(failures[0]!.error);

    const outcomes: OperationOutcome[] = failures.map(({ source, error }) =>
      outcome('warning', 'incomplete', `Results from backend ${source.name} are missing: ${failureReason(error)}`),
    );
    results.forEach((r, i) => {
      if ('skipped' in r && r.skipped !== 'not-mapped') {
        outcomes.push(outcome('information', 'not-supported', `Backend ${asked[i]!.name} does not support this search`));
      }
    });

    const count = Number.parseInt(query.get('_count') ?? '', 10);
    const limit = Number.isInteger(count) && count > 0 ? count : Number.POSITIVE_INFINITY;
    const available = pages.map(({ page, at }) => page.matches.slice(at.skip));
    const taken = available.map(() => 0);
    const shown: BundleEntry[] = [];
    for (let progress = true; progress && shown.length < limit; ) {
      progress = false;
      available.forEach((list, i) => {
        if (shown.length < limit && taken[i]! < list.length) {
          shown.push(list[taken[i]!]!);
          taken[i]! += 1;
          progress = true;
        }
      });
    }
    const seen = new Set(state?.seen ?? []);
    const includes = pages.flatMap(({ page, at }, i) => (at.skip === 0 && taken[i]! > 0 ? page.includes : []));
    const next: Record<string, CursorPage> = {};
    pages.forEach(({ source, page, at }, i) => {
      if (taken[i]! < available[i]!.length) next[source.name] = { page: at.page, skip: at.skip + taken[i]! };
      else if (page.next) next[source.name] = { page: page.next, skip: 0 };
    });

    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'self', url: `${this.baseUrl}/${resourceType}?${params.toString()}` }],
      entry: [...dedupe(shown, seen), ...includes].map((e) => ({ ...e, fullUrl: `${this.baseUrl}/${e.resource!.resourceType}/${e.resource!.id}` })),
    };
    if (!state && !failures.length && pages.length === asked.length && pages.every(({ page }) => page.total !== undefined)) {
      bundle.total = pages.reduce((sum, { page }) => sum + page.total!, 0);
    }
    if (Object.keys(next).length) {
      const sealed = await this.cursors.seal({ pages: next, seen: [...seen].slice(-MAX_SEEN) }, binding);
      const nextQuery = new URLSearchParams(query);
      nextQuery.set('_cursor', sealed);
      (bundle.link as BundleLink[]).push({ relation: 'next', url: `${this.baseUrl}/${resourceType}?${nextQuery.toString()}` });
    }
    if (!bundle.entry!.length) delete bundle.entry;
    return { status: 200, body: bundle, headers: {}, ...(outcomes.length ? { outcomes } : {}) };
  }

  /** The backend's first page (an EMR's in its own terms), or why it has nothing to add. */
  private async firstPage(resourceType: string, query: URLSearchParams, source: SearchSource): Promise<CursorPage | { skipped: string }> {
    const at = (q: URLSearchParams) => ({ page: `${resourceType}?${q.toString()}`, skip: 0 });
    if (!source.emr) return at(query);
    const translated = await toEmrQuery(resourceType, query, source.name, source.emr.crosswalk);
    const adapted = 'skip' in translated ? translated : source.emr.adapter.adaptSearch(resourceType, translated);
    return 'skip' in adapted ? { skipped: adapted.skip } : at(adapted);
  }

  private async fetchPage(source: SearchSource, request: BackendRequest): Promise<Page> {
    const res = await source.backend.request(request);
    const bundle = res.body as Bundle | undefined;
    if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'searchset') throw badGateway();
    // Upstream outcome entries may quote the query (PHI): never passed on.
    const entries = (bundle.entry ?? []).filter((e) => e.resource && e.resource.resourceType !== 'OperationOutcome');
    let shown: BundleEntry[];
    if (source.emr) {
      const translated = await source.emr.translator.translate(entries.map((e) => e.resource!));
      shown = entries.filter((e) => translated.has(e.resource!)).map((e) => ({ resource: translated.get(e.resource!)!, ...(e.search ? { search: e.search } : {}) }));
    } else {
      shown = entries.map((e) => {
        tagSource(e.resource!, source.name);
        return { resource: e.resource!, ...(e.search ? { search: e.search } : {}) };
      });
    }
    const nextUrl = bundle.link?.find((l) => l.relation === 'next')?.url;
    const next = nextUrl ? relativeTo(source.backend.baseUrl, nextUrl) : undefined;
    const isInclude = (e: BundleEntry) => e.search?.mode === 'include';
    return {
      matches: shown.filter((e) => !isInclude(e)),
      includes: shown.filter(isInclude),
      ...(next ? { next } : {}),
      ...(bundle.total !== undefined ? { total: bundle.total } : {}),
    };
  }
}

/**
 * Matches sharing a business identifier with one shown earlier (on this page, or on an earlier one: `seen`
 * holds short hashes of the last MAX_SEEN identifiers shown, carried in the cursor) are dropped. `seen` is updated.
 */
function dedupe(entries: readonly BundleEntry[], seen: Set<string>): BundleEntry[] {
  const out: BundleEntry[] = [];
  for (const e of entries) {
    const r = e.resource as Resource & { identifier?: { system?: string; value?: string }[] };
    const keys = (r.identifier ?? [])
      .filter((i) => i.system && i.value)
      .map((i) => createHash('sha256').update(`${r.resourceType}|${i.system}|${i.value}`).digest('base64url').slice(0, 12));
    if (keys.some((k) => seen.has(k))) continue;
    for (const k of keys) seen.add(k);
    out.push(e);
  }
  return out;
}

function relativeTo(base: string, url: string): string | undefined {
  if (url.startsWith(`${base}/`)) return url.slice(base.length + 1);
  if (url.startsWith(`${base}?`)) return url.slice(base.length);
  return /^[a-z][a-z0-9+.-]*:/i.test(url) ? undefined : url.replace(/^\/+/, '');
}

function fromRelative(page: string): BackendRequest {
  const q = page.indexOf('?');
  return q < 0 ? { method: 'GET', path: page } : { method: 'GET', path: page.slice(0, q), query: page.slice(q + 1) };
}

function asOutcomeError(err: unknown): OperationOutcomeError {
  return err instanceof OperationOutcomeError ? err : badGateway();
}

function failureReason(err: unknown): string {
  const status = err instanceof OperationOutcomeError ? err.status : 502;
  if (status === 503) return 'temporarily unavailable';
  if (status === 504) return 'timed out';
  return 'unavailable';
}
