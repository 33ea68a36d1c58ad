/** Builders shared by the audit specs (not part of the public surface). */
import type { Principal } from '../../src/auth/principal.js';
import type { AuditRecord } from '../../src/audit/audit-record.js';
import type { AuditEventFactoryOptions } from '../../src/audit/audit-event.factory.js';

export const practitioner: Principal = {
  issuer: 'https://idp.example.test',
  subject: 'user-123',
  clientId: 'provider-dashboard',
  kind: 'practitioner',
  fhirUser: 'Practitioner/prac-01',
  scopes: ['user/*.rs'],
  roles: [],
  tokenId: 'jti-1',
  expiresAt: 2_000_000_000,
};

export const factoryOptions: AuditEventFactoryOptions = {
  observer: 'fhir-facade',
  serverBaseUrl: 'http://127.0.0.1:3000/fhir',
  site: 'local',
  now: () => new Date('2026-11-22T12:00:00.000Z'),
};

export function auditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    requestId: 'req-1',
    timestamp: new Date('2026-11-22T11:59:59.900Z'),
    method: 'GET',
    path: '/fhir/Observation/obs-1',
    queryString: '',
    interaction: 'read',
    resourceType: 'Observation',
    resourceId: 'obs-1',
    status: 200,
    durationMs: 12.5,
    ip: '10.0.0.7',
    userAgent: 'vitest',
    principal: practitioner,
    patients: ['pat-001'],
    ...overrides,
  };
}
