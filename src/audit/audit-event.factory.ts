/**
 * The one place where AuditEvent resources are built, following IHE Basic Audit Log Patterns (BALP).
 * Every coded value carries a link to the spec it comes from. Pure: no I/O, no clock unless none is given.
 *
 * @see https://profiles.ihe.net/ITI/BALP/
 * @see https://hl7.org/fhir/R4/auditevent.html
 */
import { randomUUID } from 'node:crypto';
import type {
  AuditEvent,
  AuditEventAgent,
  AuditEventEntity,
  CodeableConcept,
  Coding,
  Extension,
} from '@medplum/fhirtypes';
import type { AuditInteraction, AuditRecord } from './audit-record.js';

const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition';

/** Coded values used by the factory, each from the spec linked beside it. */
export const AuditCodes = {
  /** @see https://terminology.hl7.org/CodeSystem-audit-event-type.html (BALP fixes `rest` for RESTful events) */
  typeRest: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' },
  /** DICOM "Query" event id, added beside the restful subtype of searches. @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/sect_CID_400.html */
  dicomQuery: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110112', display: 'Query' },
  /** @see https://hl7.org/fhir/R4/codesystem-restful-interaction.html */
  restfulInteractionSystem: 'http://hl7.org/fhir/restful-interaction',
  /** Agent roles. @see https://profiles.ihe.net/ITI/BALP/content.html#3573-basic-restful-interactions */
  agentSource: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110153', display: 'Source Role ID' },
  agentDestination: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110152', display: 'Destination Role ID' },
  /** @see https://profiles.ihe.net/ITI/BALP/CodeSystem-UserAgentTypes.html */
  agentUserOauth: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes', code: 'UserOauthAgent', display: 'User OAuth Agent participant' },
  /** @see https://terminology.hl7.org/CodeSystem-security-source-type.html */
  sourceAppServer: { system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' },
  /** @see https://terminology.hl7.org/CodeSystem-audit-entity-type.html */
  entityPerson: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
  entitySystemObject: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
  /** @see https://terminology.hl7.org/CodeSystem-object-role.html */
  rolePatient: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
  roleDomainResource: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4', display: 'Domain Resource' },
  roleQuery: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '24', display: 'Query' },
  /** BALP's transaction entity. @see https://profiles.ihe.net/ITI/BALP/CodeSystem-BasicAuditEntityType.html */
  entityRequestId: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId', display: 'transport specific unique identifier where http X-Request-Id is used' },
  /** @see https://terminology.hl7.org/CodeSystem-v3-ActReason.html#v3-ActReason-BTG */
  purposeBreakGlass: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' },
} as const satisfies Record<string, Coding | string>;

/**
 * Extensions defined by the facade (no standard element holds them). The base URL is a placeholder canonical
 * to be replaced by the organisation's own when the StructureDefinitions are published.
 * - `audit-request`: the seed's "Comprehensive Audit Logging" fields, one sub-extension each:
 *   timestamp (instant), requestId, userId, operation, method, url (path only), ipAddress, userAgent (string),
 *   statusCode (integer), durationMs (decimal). The query string is never here: it is only in the query entity,
 *   base64-encoded, as BALP asks.
 * - `full-ssn-disclosed`: valueBoolean true when an unmasked SSN left the facade in this response.
 */
export const FACADE_EXTENSION_BASE = 'https://fhir-facade.example.org/fhir/StructureDefinition';
export const AUDIT_REQUEST_EXTENSION = `${FACADE_EXTENSION_BASE}/audit-request`;
export const FULL_SSN_EXTENSION = `${FACADE_EXTENSION_BASE}/full-ssn-disclosed`;

export type AuditOutcomeCode = NonNullable<AuditEvent['outcome']>;
type AuditAction = NonNullable<AuditEvent['action']>;

export interface AuditEventFactoryOptions {
  /** Name of this service as observer and server agent (e.g. `fhir-facade`). */
  readonly observer: string;
  /** The facade's FHIR base URL, recorded as the server agent's network address. */
  readonly serverBaseUrl?: string;
  /** `source.site` (e.g. the deployment or region name). */
  readonly site?: string;
  /** Event id generator; a random UUID by default. */
  readonly newId?: () => string;
  /** Clock for `recorded`; `Date.now` by default. */
  readonly now?: () => Date;
}

/**
 * AuditEvent.outcome from the HTTP status: 0 success, 4 minor failure (the client's request was refused:
 * 4xx), 8 serious failure (the server failed: 5xx), 12 major failure (the service was made unavailable: 503).
 * @see https://hl7.org/fhir/R4/valueset-audit-event-outcome.html
 */
export function outcomeForStatus(status: number): AuditOutcomeCode {
  if (status < 400) return '0';
  if (status < 500) return '4';
  if (status === 503) return '12';
  return '8';
}

/** BALP action per interaction: R read, E query/execute, C/U/D writes. @see https://hl7.org/fhir/R4/valueset-audit-event-action.html */
export function actionForInteraction(interaction: AuditInteraction): AuditAction {
  switch (interaction) {
    case 'read':
    case 'vread':
    case 'capabilities':
      return 'R';
    case 'create':
      return 'C';
    case 'update':
    case 'patch':
      return 'U';
    case 'delete':
      return 'D';
    default:
      return 'E';
  }
}

const isQuery = (i: AuditInteraction): boolean => i.startsWith('search') || i.startsWith('history');

/** BALP profile claimed by a successful event; failures follow the same pattern without claiming it. */
function balpProfile(interaction: AuditInteraction, withPatient: boolean): string | undefined {
  const p = withPatient ? 'Patient' : '';
  if (interaction === 'read' || interaction === 'vread') return `${BALP}/IHE.BasicAudit.${p}Read`;
  if (isQuery(interaction)) return `${BALP}/IHE.BasicAudit.${p}Query`;
  if (interaction === 'create') return `${BALP}/IHE.BasicAudit.${p}Create`;
  if (interaction === 'update' || interaction === 'patch') return `${BALP}/IHE.BasicAudit.${p}Update`;
  if (interaction === 'delete') return `${BALP}/IHE.BasicAudit.${p}Delete`;
  return undefined;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 409: 'Conflict',
  410: 'Gone', 412: 'Precondition Failed', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const MAX_USER_AGENT = 256;
const coding = (c: Coding): Coding => ({ ...c });
const concept = (c: Coding, text?: string): CodeableConcept => (text ? { coding: [coding(c)], text } : { coding: [coding(c)] });
const base64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/**
 * Builds the AuditEvents for one request: one per distinct patient touched, or one without a patient entity
 * when none was. All events of a request share everything but `id` and the patient entity.
 *
 * @see https://profiles.ihe.net/ITI/BALP/content.html#3573-basic-restful-interactions
 */
export function createAuditEvents(record: AuditRecord, options: AuditEventFactoryOptions): AuditEvent[] {
  const patients = [...new Set(record.patients.filter((p) => p.length > 0))];
  const newId = options.newId ?? randomUUID;
  const recorded = (options.now?.() ?? new Date()).toISOString();
  const base = baseEvent(record, options, recorded);
  if (patients.length === 0) return [{ ...base, id: newId(), entity: commonEntities(record) }];
  return patients.map((patient) => {
    const profile = base.outcome === '0' ? balpProfile(record.interaction, true) : undefined;
    return {
      ...base,
      id: newId(),
      ...(profile ? { meta: { profile: [profile] } } : {}),
      entity: [patientEntity(patient), ...commonEntities(record)],
    };
  });
}

function baseEvent(record: AuditRecord, options: AuditEventFactoryOptions, recorded: string): AuditEvent {
  const outcome = outcomeForStatus(record.status);
  const profile = outcome === '0' ? balpProfile(record.interaction, false) : undefined;
  // `unknown` (refused before routing, e.g. a 401): no restful subtype rather than a guessed one.
  const subtype: Coding[] = record.interaction === 'unknown' ? [] : [{ system: AuditCodes.restfulInteractionSystem, code: record.interaction }];
  if (isQuery(record.interaction)) subtype.push(coding(AuditCodes.dicomQuery));
  const reason = record.breakGlassReason === undefined ? undefined : withoutSsns(record.breakGlassReason);
  const purpose = reason !== undefined ? [concept(AuditCodes.purposeBreakGlass, reason || undefined)] : undefined;
  const extension: Extension[] = [requestExtension(record)];
  if (record.fullSsnDisclosed) extension.push({ url: FULL_SSN_EXTENSION, valueBoolean: true });
  return {
    resourceType: 'AuditEvent',
    ...(profile ? { meta: { profile: [profile] } } : {}),
    extension,
    type: coding(AuditCodes.typeRest),
    ...(subtype.length ? { subtype } : {}),
    action: actionForInteraction(record.interaction),
    recorded,
    outcome,
    outcomeDesc: record.outcomeText ?? `HTTP ${record.status}${STATUS_TEXT[record.status] ? ` ${STATUS_TEXT[record.status]}` : ''}`,
    ...(purpose ? { purposeOfEvent: purpose } : {}),
    agent: agents(record, options, purpose),
    source: {
      ...(options.site ? { site: options.site } : {}),
      observer: { display: options.observer },
      type: [coding(AuditCodes.sourceAppServer)],
    },
  };
}

/** Client (source), server (destination) and, when authenticated, the user (requestor). */
function agents(record: AuditRecord, options: AuditEventFactoryOptions, purpose?: CodeableConcept[]): AuditEventAgent[] {
  const p = record.principal;
  const client: AuditEventAgent = {
    type: concept(AuditCodes.agentSource),
    who: p ? { identifier: { value: p.clientId }, display: p.clientId } : { display: 'unauthenticated client' },
    requestor: p === undefined,
    network: { address: record.ip, type: '2' }, // 2 = IP address
  };
  const server: AuditEventAgent = {
    type: concept(AuditCodes.agentDestination),
    who: { display: options.observer },
    requestor: false,
    ...(options.serverBaseUrl ? { network: { address: options.serverBaseUrl, type: '5' as const } } : {}),
  };
  if (!p) return [client, server];
  const user: AuditEventAgent = {
    type: concept(AuditCodes.agentUserOauth),
    who: {
      identifier: { system: p.issuer, value: p.subject },
      ...(p.fhirUser ? { reference: p.fhirUser } : {}),
    },
    requestor: true,
    ...(p.tokenId ? { policy: [p.tokenId] } : {}),
    ...(purpose ? { purposeOfUse: purpose } : {}),
  };
  return [client, server, user];
}

function patientEntity(patientId: string): AuditEventEntity {
  return { what: { reference: `Patient/${patientId}` }, type: coding(AuditCodes.entityPerson), role: coding(AuditCodes.rolePatient) };
}

/** Data (the resource acted on), query (base64 of the query string) and transaction (request id) entities. */
function commonEntities(record: AuditRecord): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [];
  if (record.resourceType && record.resourceId && !isQuery(record.interaction)) {
    entities.push({
      what: { reference: `${record.resourceType}/${record.resourceId}` },
      type: coding(AuditCodes.entitySystemObject),
      role: coding(AuditCodes.roleDomainResource),
    });
  }
  if (isQuery(record.interaction)) {
    entities.push({
      type: coding(AuditCodes.entitySystemObject),
      role: coding(AuditCodes.roleQuery),
      query: base64(record.queryString),
      ...(record.resourceType ? { detail: [{ type: 'resourceType', valueString: record.resourceType }] } : {}),
    });
  }
  entities.push({ what: { identifier: { value: record.requestId } }, type: coding(AuditCodes.entityRequestId) });
  return entities;
}

/** The seed's "Comprehensive Audit Logging" fields as one complex extension (see `AUDIT_REQUEST_EXTENSION`). */
function requestExtension(record: AuditRecord): Extension {
  const p = record.principal;
  const operation = record.resourceType ? `${record.interaction} ${record.resourceType}` : record.interaction;
  return {
    url: AUDIT_REQUEST_EXTENSION,
    extension: [
      { url: 'timestamp', valueInstant: record.timestamp.toISOString() },
      { url: 'requestId', valueString: record.requestId },
      { url: 'userId', valueString: p ? (p.fhirUser ?? p.subject) : 'anonymous' },
      { url: 'operation', valueString: operation },
      { url: 'method', valueString: record.method.toUpperCase() },
      { url: 'url', valueString: record.path },
      { url: 'ipAddress', valueString: record.ip },
      { url: 'userAgent', valueString: record.userAgent.slice(0, MAX_USER_AGENT) },
      { url: 'statusCode', valueInteger: record.status },
      { url: 'durationMs', valueDecimal: Math.round(record.durationMs * 1000) / 1000 },
    ],
  };
}

/** Partition key of an event: its patient id, or `NO_PATIENT_PARTITION` when it names none. */
export const NO_PATIENT_PARTITION = '_no-patient';
export function patientOf(event: AuditEvent): string | undefined {
  const ref = event.entity?.find((e) => e.role?.code === AuditCodes.rolePatient.code && e.role?.system === AuditCodes.rolePatient.system)?.what?.reference;
  return ref?.startsWith('Patient/') ? ref.slice('Patient/'.length) : undefined;
}

/**
 * The break-glass reason is a clinician's free text, kept in an immutable trail: anything shaped like an SSN
 * (ddd-dd-dddd, ddd dd dddd, or nine digits in a row) is replaced before it is stored.
 */
export function withoutSsns(text: string): string {
  return text.replace(/(?<![0-9])[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}(?![0-9])/g, '[SSN REMOVED]');
}
