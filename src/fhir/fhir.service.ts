/**
 * Forwards one authorized FhirInteraction to the backend and brings the answer back with
 * upstream URLs rewritten to the facade's base. It neither authorizes nor masks: those run
 * around it, on the way in and on the way out.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { FHIR_BACKEND, type BackendMethod, type BackendRequest, type FhirBackend } from '../backends/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import type { FhirInteraction } from '../smart/fhir-interaction.js';
import { encodeQuery } from './fhir-request.parser.js';
import type { FhirResult } from './fhir-result.js';
import { methodNotAllowed } from './outcomes.js';
import { UrlRewriter } from './url-rewriter.js';

export interface ForwardOptions {
  /** Search sent as `POST <type>/_search` with a form body (keeps the query out of URLs). */
  readonly postSearch?: boolean;
  readonly requestId?: string;
  readonly headers?: BackendRequest['headers'];
}

@Injectable()
export class FhirService {
  private readonly rewriter: UrlRewriter;

  constructor(
    @Inject(FHIR_BACKEND) private readonly backend: FhirBackend,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.rewriter = new UrlRewriter(backend.baseUrl, config.fhirBase);
  }

  async execute(i: FhirInteraction, options: ForwardOptions = {}): Promise<FhirResult> {
    const request = this.toBackendRequest(i, options);
    const response = await this.backend.request(request);
    const body = response.body;
    this.rewriter.body(body);
    if (i.interaction === 'capabilities') this.describeFacade(body as CapabilityStatement);
    const headers: Record<string, string> = {};
    for (const name of ['location', 'content-location'] as const) {
      const url = this.rewriter.url(response.headers[name]);
      if (url) headers[name] = url;
    }
    if (response.headers.etag) headers.etag = response.headers.etag;
    if (response.headers['last-modified']) headers['last-modified'] = response.headers['last-modified'];
    return { status: response.status, body, headers, ...(response.outcomes ? { outcomes: response.outcomes } : {}) };
  }

  private toBackendRequest(i: FhirInteraction, options: ForwardOptions): BackendRequest {
    const query = encodeQuery(i.params);
    const headers = { ...options.headers, ...(options.requestId ? { 'x-request-id': options.requestId } : {}) };
    const get = (path: string): BackendRequest => ({ method: 'GET', path, query, headers });
    const write = (method: BackendMethod, path: string): BackendRequest => ({ method, path, query, body: i.body, headers });
    const type = i.resourceType ?? '';
    switch (i.interaction) {
      case 'capabilities':
        return get('metadata');
      case 'read':
        return get(`${type}/${i.id}`);
      case 'vread':
        return get(`${type}/${i.id}/_history/${i.versionId}`);
      case 'history-instance':
        return get(`${type}/${i.id}/_history`);
      case 'history-type':
        return get(`${type}/_history`);
      case 'history-system':
        return get('_history');
      case 'search-type':
        return options.postSearch
          ? { method: 'POST', path: `${type}/_search`, body: query, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } }
          : get(type);
      case 'search-system':
        return get('');
      case 'search-compartment':
        return get(`${i.compartment!.resourceType}/${i.compartment!.id}/${type}`);
      case 'operation': {
        const op = i.operation!;
        const path = op.level === 'instance' ? `${type}/${i.id}/${op.name}` : op.level === 'type' ? `${type}/${op.name}` : op.name;
        return i.body === undefined ? get(path) : write('POST', path);
      }
      case 'create':
        return write('POST', type);
      case 'update':
        return write('PUT', i.id ? `${type}/${i.id}` : type);
      case 'patch':
        return { ...write('PATCH', `${type}/${i.id}`), headers: { ...headers, 'content-type': 'application/json-patch+json' } };
      case 'delete':
        return write('DELETE', `${type}/${i.id}`);
      case 'batch':
      case 'transaction':
        return write('POST', '');
      default:
        throw methodNotAllowed();
    }
  }

  /** The CapabilityStatement describes the facade, not the upstream it proxies. */
  private describeFacade(cs: CapabilityStatement | undefined): void {
    if (!cs || cs.resourceType !== 'CapabilityStatement') return;
    cs.implementation = { description: 'FHIR Facade', url: this.config.fhirBase };
    cs.format = ['application/fhir+json', 'json'];
    delete cs.software;
  }
}
