/**
 * The FhirBackend the facade uses when EMRs are configured: one backend in front of AHDS and the EMRs, so
 * everything above it (authorization, compartment filter, masking, audit) is unchanged.
 * - searches of routed types go to their backends, merged (merged-search.ts); others to the primary as before;
 * - reads of qualified ids (`Appointment/epic.123`) go to that EMR, when routes allow it; its answer is
 *   translated like a search's (a resource whose patient does not map back is a 404);
 * - writes always go to the primary; a write naming a qualified id (EMR data) is refused (405), batch or not.
 * Its `baseUrl` is the primary's: primary URLs pass through, and everything built here is relative to it,
 * so the facade's URL rewriter turns all of it into facade URLs. No EMR URL ever reaches a client.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { PRIMARY_BACKEND } from '../../config/index.js';
import { methodNotAllowed, notFound } from '../../fhir/outcomes.js';
import type { BackendRequest, BackendResponse, FhirBackend } from '../fhir-backend.js';
import type { MergedSearch, SearchSource } from './merged-search.js';
import type { RouteTable } from './route-table.js';
import { parseQualifiedId } from './source-tag.js';

const SEARCH_PATH = /^([A-Z][A-Za-z]+)(?:\/_search)?$/;
const READ_PATH = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;

export class RoutingBackend implements FhirBackend {
  readonly name: string;
  readonly baseUrl: string;
  private readonly emrNames: string[];

  constructor(
    private readonly primary: FhirBackend,
    private readonly sources: ReadonlyMap<string, SearchSource>,
    private readonly routes: RouteTable,
    private readonly merged: MergedSearch,
  ) {
    this.name = primary.name;
    this.baseUrl = primary.baseUrl;
    this.emrNames = [...sources.values()].filter((s) => s.emr).map((s) => s.name);
  }

  async request(req: BackendRequest): Promise<BackendResponse> {
    const search = this.asSearch(req);
    if (search) {
      const names = this.routes.backendsFor(search.type, 'search-type');
      const routed = names.length !== 1 || names[0] !== PRIMARY_BACKEND || search.params.has('_cursor');
      if (routed) {
        const sources = names.map((n) => this.sources.get(n)).filter((s): s is SearchSource => s !== undefined);
        return this.merged.run(search.type, search.params, sources, req.headers);
      }
      return this.primary.request(req);
    }
    const read = req.method === 'GET' ? READ_PATH.exec(req.path) : null;
    if (read) {
      const qualified = parseQualifiedId(read[2]!, this.emrNames);
      if (qualified) return this.readFromEmr(read[1]!, qualified, read[3], req);
    }
    if (req.method !== 'GET' && this.namesEmrData(req)) throw methodNotAllowed();
    return this.primary.request(req);
  }

  async ping(): Promise<boolean> {
    return this.primary.ping(); // readiness follows the primary: an EMR outage degrades, it does not stop the facade
  }

  private async readFromEmr(type: string, q: { emr: string; id: string }, vid: string | undefined, req: BackendRequest): Promise<BackendResponse> {
    const source = this.sources.get(q.emr);
    if (!source?.emr || !source.emr.adapter.supports(type) || !this.routes.allows(type, vid ? 'vread' : 'read', q.emr)) throw notFound();
    const path = `${type}/${q.id}${vid ? `/_history/${vid}` : ''}`;
    const res = await source.backend.request({ method: 'GET', path, headers: req.headers, ...(req.signal ? { signal: req.signal } : {}) });
    const resource = res.body as Resource | undefined;
    if (!resource || resource.resourceType !== type) throw notFound();
    const shown = (await source.emr.translator.translate([resource])).get(resource);
    if (!shown) throw notFound();
    const headers: Record<string, string> = {};
    if (res.headers.etag) headers.etag = res.headers.etag;
    if (res.headers['last-modified']) headers['last-modified'] = res.headers['last-modified'];
    return { status: res.status, body: shown, headers };
  }

  private asSearch(req: BackendRequest): { type: string; params: URLSearchParams } | undefined {
    const m = SEARCH_PATH.exec(req.path);
    if (!m) return undefined;
    const isPostSearch = req.method === 'POST' && req.path.endsWith('/_search');
    if (req.method !== 'GET' && !isPostSearch) return undefined;
    if (req.method === 'GET' && req.path.endsWith('/_search')) return undefined;
    const query = isPostSearch ? (typeof req.body === 'string' ? req.body : '') : (req.query ?? '');
    return { type: m[1]!, params: new URLSearchParams(query) };
  }

  /** A write whose path or (batch) entries name an EMR's qualified id. */
  private namesEmrData(req: BackendRequest): boolean {
    const qualified = (path: string) => path.split(/[/?]/).some((seg) => parseQualifiedId(seg, this.emrNames) !== undefined);
    if (qualified(req.path)) return true;
    if (req.path === '' && req.body && typeof req.body === 'object') {
      return ((req.body as Bundle).entry ?? []).some((e) => typeof e.request?.url === 'string' && qualified(e.request.url));
    }
    return false;
  }
}
