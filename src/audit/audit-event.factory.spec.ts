import type { AuditEvent } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { auditRecord, factoryOptions, practitioner } from '../../test/audit/audit-fixtures.js';
import {
  AUDIT_REQUEST_EXTENSION,
  AuditCodes,
  createAuditEvents,
  FULL_SSN_EXTENSION,
  outcomeForStatus,
  patientOf,
} from './audit-event.factory.js';

const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';
const one = (events: AuditEvent[]): AuditEvent => {
  expect(events).toHaveLength(1);
  return events[0]!;
};
const entityByRole = (e: AuditEvent, code: string) => e.entity?.filter((x) => x.role?.code === code) ?? [];
const requestField = (e: AuditEvent, url: string) =>
  e.extension?.find((x) => x.url === AUDIT_REQUEST_EXTENSION)?.extension?.find((x) => x.url === url);

describe('AuditEvent factory (IHE BALP)', () => {
  it('a read of a patient-linked resource is a PatientRead: rest/read, action R, patient, data and request-id entities', () => {
    const e = one(createAuditEvents(auditRecord(), factoryOptions));
    expect(e.resourceType).toBe('AuditEvent');
    expect(e.meta?.profile).toEqual([`${BALP}PatientRead`]);
    expect(e.type).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' });
    expect(e.subtype).toEqual([{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }]);
    expect(e.action).toBe('R');
    expect(e.outcome).toBe('0');
    expect(e.recorded).toBe('2026-11-22T12:00:00.000Z');
    expect(entityByRole(e, '1')[0]).toMatchObject({ what: { reference: 'Patient/pat-001' }, type: { code: '1' } });
    expect(entityByRole(e, '4')[0]).toMatchObject({ what: { reference: 'Observation/obs-1' }, type: { code: '2' } });
    const txn = e.entity?.find((x) => x.type?.code === 'XrequestId');
    expect(txn).toMatchObject({ what: { identifier: { value: 'req-1' } }, type: AuditCodes.entityRequestId });
    expect(e.source).toMatchObject({ observer: { display: 'fhir-facade' }, site: 'local', type: [{ code: '4' }] });
  });

  it('agents are the client (client id, IP), the server (the facade) and the user (issuer+subject, fhirUser, requestor)', () => {
    const e = one(createAuditEvents(auditRecord(), factoryOptions));
    const [client, server, user] = e.agent!;
    expect(client).toMatchObject({ type: { coding: [{ code: '110153' }] }, who: { identifier: { value: 'provider-dashboard' } }, requestor: false, network: { address: '10.0.0.7', type: '2' } });
    expect(server).toMatchObject({ type: { coding: [{ code: '110152' }] }, who: { display: 'fhir-facade' }, requestor: false, network: { address: 'http://127.0.0.1:3000/fhir', type: '5' } });
    expect(user).toMatchObject({
      type: { coding: [{ code: 'UserOauthAgent' }] },
      who: { identifier: { system: 'https://idp.example.test', value: 'user-123' }, reference: 'Practitioner/prac-01' },
      requestor: true,
      policy: ['jti-1'],
    });
  });

  it('a search is a PatientQuery: action E, a query entity with the query string base64-encoded, never in plain text', () => {
    const qs = 'patient=pat-001&code=http://loinc.org|8867-4';
    const e = one(createAuditEvents(auditRecord({ interaction: 'search-type', path: '/fhir/Observation', queryString: qs, resourceId: undefined }), factoryOptions));
    expect(e.meta?.profile).toEqual([`${BALP}PatientQuery`]);
    expect(e.action).toBe('E');
    expect(e.subtype).toContainEqual({ system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type' });
    expect(e.subtype).toContainEqual(AuditCodes.dicomQuery);
    const query = entityByRole(e, '24')[0]!;
    expect(Buffer.from(query.query!, 'base64').toString('utf8')).toBe(qs);
    expect(JSON.stringify(e)).not.toContain('8867-4');
    expect(requestField(e, 'url')?.valueString).toBe('/fhir/Observation');
  });

  it('a search without patients is a Query with no patient entity', () => {
    const e = one(createAuditEvents(auditRecord({ interaction: 'search-type', resourceType: 'Organization', patients: [] }), factoryOptions));
    expect(e.meta?.profile).toEqual([`${BALP}Query`]);
    expect(entityByRole(e, '1')).toHaveLength(0);
    expect(patientOf(e)).toBeUndefined();
  });

  it.each([
    ['create', 'C', 'PatientCreate', 201],
    ['update', 'U', 'PatientUpdate', 200],
    ['patch', 'U', 'PatientUpdate', 200],
    ['delete', 'D', 'PatientDelete', 204],
  ] as const)('a %s is action %s with the %s profile', (interaction, action, profile, status) => {
    const e = one(createAuditEvents(auditRecord({ interaction, method: 'POST', status }), factoryOptions));
    expect(e.action).toBe(action);
    expect(e.meta?.profile).toEqual([`${BALP}${profile}`]);
    expect(e.subtype?.[0]?.code).toBe(interaction);
    expect(entityByRole(e, '4')[0]?.what?.reference).toBe('Observation/obs-1');
  });

  it('a write with no patient uses the non-patient profile (Create/Update/Delete)', () => {
    const e = one(createAuditEvents(auditRecord({ interaction: 'delete', resourceType: 'Organization', resourceId: 'org-1', patients: [] }), factoryOptions));
    expect(e.meta?.profile).toEqual([`${BALP}Delete`]);
  });

  it('one AuditEvent per distinct patient touched, each with its own id and only its patient', () => {
    let n = 0;
    const events = createAuditEvents(
      auditRecord({ interaction: 'search-type', patients: ['pat-001', 'pat-002', 'pat-001', 'pat-003'] }),
      { ...factoryOptions, newId: () => `id-${++n}` },
    );
    expect(events.map(patientOf)).toEqual(['pat-001', 'pat-002', 'pat-003']);
    expect(events.map((e) => e.id)).toEqual(['id-1', 'id-2', 'id-3']);
    for (const e of events) expect(entityByRole(e, '1')).toHaveLength(1);
  });

  it('break-glass access carries purpose of use BTG (event and user agent) with the stated reason', () => {
    const e = one(createAuditEvents(auditRecord({ breakGlassReason: 'ED trauma, unconscious patient' }), factoryOptions));
    const btg = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' }], text: 'ED trauma, unconscious patient' };
    expect(e.purposeOfEvent).toEqual([btg]);
    expect(e.agent?.[2]?.purposeOfUse).toEqual([btg]);
    expect(one(createAuditEvents(auditRecord(), factoryOptions)).purposeOfEvent).toBeUndefined();
  });

  it('an SSN typed into a break-glass reason never reaches the trail, in any spelling', () => {
    for (const ssn of ['402-35-0830', '402350830', '402 35 0830']) {
      const e = one(createAuditEvents(auditRecord({ breakGlassReason: `identity confirmed by SSN ${ssn}, ED` }), factoryOptions));
      const text = JSON.stringify(e);
      expect(text).not.toContain(ssn);
      expect(e.purposeOfEvent?.[0]?.text).toBe('identity confirmed by SSN [SSN REMOVED], ED');
    }
  });

  it('a full-SSN disclosure is flagged by an extension; otherwise the flag is absent', () => {
    const flagged = one(createAuditEvents(auditRecord({ fullSsnDisclosed: true }), factoryOptions));
    expect(flagged.extension).toContainEqual({ url: FULL_SSN_EXTENSION, valueBoolean: true });
    expect(one(createAuditEvents(auditRecord(), factoryOptions)).extension?.some((x) => x.url === FULL_SSN_EXTENSION)).toBe(false);
  });

  it('a 401 is recorded with no user agent, an unauthenticated client as requestor, outcome 4, and no BALP profile', () => {
    const e = one(createAuditEvents(auditRecord({ principal: undefined, status: 401, patients: [], interaction: 'unknown', resourceType: undefined, resourceId: undefined }), factoryOptions));
    expect(e.outcome).toBe('4');
    expect(e.outcomeDesc).toBe('HTTP 401 Unauthorized');
    expect(e.meta).toBeUndefined();
    expect(e.subtype).toBeUndefined();
    expect(e.agent).toHaveLength(2);
    expect(e.agent?.[0]).toMatchObject({ who: { display: 'unauthenticated client' }, requestor: true });
    expect(requestField(e, 'userId')?.valueString).toBe('anonymous');
  });

  it('outcome is 0 for success, 4 when refused (4xx), 8 on server failure (5xx), 12 when the service is unavailable (503)', () => {
    expect([200, 201, 304, 400, 403, 404, 429, 500, 502, 503, 504].map(outcomeForStatus)).toEqual(['0', '0', '0', '4', '4', '4', '4', '8', '8', '12', '8']);
    const denied = one(createAuditEvents(auditRecord({ status: 403, outcomeText: 'denied by rule patient-compartment' }), factoryOptions));
    expect(denied).toMatchObject({ outcome: '4', outcomeDesc: 'denied by rule patient-compartment' });
  });

  it('carries the seed fields: timestamp, request id, user id, operation, method, URL path, IP, user agent, status, duration', () => {
    const e = one(createAuditEvents(auditRecord({ userAgent: 'x'.repeat(1000) }), factoryOptions));
    const fields = Object.fromEntries(
      e.extension!.find((x) => x.url === AUDIT_REQUEST_EXTENSION)!.extension!.map((x) => [x.url, x.valueString ?? x.valueInstant ?? x.valueInteger ?? x.valueDecimal]),
    );
    expect(fields).toEqual({
      timestamp: '2026-11-22T11:59:59.900Z',
      requestId: 'req-1',
      userId: practitioner.fhirUser,
      operation: 'read Observation',
      method: 'GET',
      url: '/fhir/Observation/obs-1',
      ipAddress: '10.0.0.7',
      userAgent: 'x'.repeat(256),
      statusCode: 200,
      durationMs: 12.5,
    });
  });

  it('event ids are UUIDs by default', () => {
    const e = one(createAuditEvents(auditRecord(), { observer: 'fhir-facade' }));
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
