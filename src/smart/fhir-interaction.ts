/**
 * One FHIR REST request, described without HTTP: what the policy layer decides on.
 * The guard builds it from the route; the batch helper builds one per Bundle entry.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-fhir-resources
 */
import type { Resource } from '@medplum/fhirtypes';
import type { SmartPermission } from './smart-scope.parser.js';

export type InteractionKind =
  | 'read'
  | 'vread'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'search-type'
  | 'search-system'
  | 'search-compartment'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'batch'
  | 'transaction'
  | 'operation'
  | 'capabilities';

/** Query parameters as received, repeated parameters kept apart (`?a=1&a=2` → `{ a: ['1', '2'] }`). */
export type QueryParams = Readonly<Record<string, readonly string[]>>;

export interface FhirInteraction {
  readonly interaction: InteractionKind;
  /** Target type: `Observation` for `GET /Observation?…`; for a compartment search the type searched. */
  readonly resourceType?: string;
  /** Instance id (read, vread, update, patch, delete, instance operation). */
  readonly id?: string;
  readonly versionId?: string;
  /** Compartment search `Patient/x/Observation`: the compartment owner. */
  readonly compartment?: { readonly resourceType: string; readonly id: string };
  /** Operation name with `$` (`$everything`) and its level. */
  readonly operation?: { readonly name: string; readonly level: 'system' | 'type' | 'instance' };
  readonly params?: QueryParams;
  /** Request body: the resource for create/update, the Bundle for batch/transaction, the JSON Patch for patch. */
  readonly body?: unknown;
  /**
   * For update, patch and delete: the stored resource before the change, fetched by the caller, so a
   * write cannot take over a resource of another patient; `null` = looked up, does not exist.
   * Required under `patient/` and `user/` scopes (else `write-current-version-required`).
   */
  readonly before?: Resource | null;
  /** For patch: the resource as it would be after applying the patch (computed by the caller). */
  readonly after?: Resource;
  /** `X-Break-Glass-Reason` header value, if the client sent one (even empty). */
  readonly breakGlassReason?: string;
}

/**
 * The SMART letter an interaction needs on its resource type:
 * read, vread, instance history → r; search and type history → s; create → c; update, patch → u; delete → d.
 * Returns `undefined` for interactions that are decided otherwise (batch, transaction, operation, capabilities).
 */
export function requiredPermission(interaction: InteractionKind): SmartPermission | undefined {
  switch (interaction) {
    case 'read':
    case 'vread':
    case 'history-instance':
      return 'r';
    case 'search-type':
    case 'search-system':
    case 'search-compartment':
    case 'history-type':
    case 'history-system':
      return 's';
    case 'create':
      return 'c';
    case 'update':
    case 'patch':
      return 'u';
    case 'delete':
      return 'd';
    default:
      return undefined;
  }
}

/** True for interactions that change data. */
export function isWrite(interaction: InteractionKind): boolean {
  return interaction === 'create' || interaction === 'update' || interaction === 'patch' || interaction === 'delete';
}

/** True for interactions that return a search-set or history Bundle. */
export function isSearchLike(interaction: InteractionKind): boolean {
  return requiredPermission(interaction) === 's';
}
