/**
 * Upstream URLs never leak: every absolute URL the upstream puts in `Bundle.link`, `entry.fullUrl`,
 * `entry.response.location` and the Location headers is rewritten to the facade's FHIR base.
 * A link that points somewhere else entirely is dropped (links) or rebuilt from type/id (fullUrl).
 *
 * @see https://hl7.org/fhir/R4/bundle.html#bundle-link
 * @see https://hl7.org/fhir/R4/http.html#paging
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

export class UrlRewriter {
  private readonly upstream: string;

  constructor(upstreamBase: string, private readonly facadeBase: string) {
    this.upstream = upstreamBase.replace(/\/+$/, '');
  }

  /** Rewrites one URL, or returns undefined when it does not point at the upstream. */
  url(value: string | undefined): string | undefined {
    if (!value) return undefined;
    if (value === this.upstream) return this.facadeBase;
    if (value.startsWith(`${this.upstream}/`) || value.startsWith(`${this.upstream}?`)) {
      return this.facadeBase + value.slice(this.upstream.length);
    }
    if (!/^[a-z][a-z0-9+.-]*:/i.test(value)) return value; // relative: already base-independent
    return undefined;
  }

  /** Rewrites, in place, the URLs of a response body (nested Bundles included). */
  body(body: unknown): void {
    if (!body || typeof body !== 'object') return;
    const resource = body as Resource;
    if (resource.resourceType !== 'Bundle') return;
    const bundle = resource as Bundle;
    if (bundle.link) {
      bundle.link = bundle.link
        .map((link) => ({ ...link, url: this.url(link.url) as string }))
        .filter((link) => link.url !== undefined);
    }
    for (const entry of bundle.entry ?? []) this.entry(entry);
  }

  private entry(entry: BundleEntry): void {
    if (entry.fullUrl !== undefined) {
      const rewritten = this.url(entry.fullUrl);
      const r = entry.resource;
      entry.fullUrl = rewritten ?? (r?.id ? `${this.facadeBase}/${r.resourceType}/${r.id}` : undefined);
      if (entry.fullUrl === undefined) delete entry.fullUrl;
    }
    if (entry.response?.location) {
      const location = this.url(entry.response.location);
      if (location) entry.response.location = location;
      else delete entry.response.location;
    }
    if (entry.link) entry.link = entry.link.map((l) => ({ ...l, url: this.url(l.url) as string })).filter((l) => l.url !== undefined);
    this.body(entry.resource);
    this.body(entry.response?.outcome);
  }
}
