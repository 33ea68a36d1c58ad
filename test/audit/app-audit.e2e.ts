/**
 * Every access through the running facade is audited: the real app on a real port, the real
 * EventHubProducerClient, a real AMQP 1.0 peer. Statements: no request goes unrecorded, each patient
 * touched gets its own event partitioned by patient, failures are recorded with the right outcome,
 * and an Event Hubs outage loses nothing.
 */
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpPeer, type ReceivedEvent } from '../support/amqp-peer.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const bodyOf = (e: ReceivedEvent) => JSON.parse(e.body.toString('utf8')) as AuditEvent;
const requestIdOf = (e: AuditEvent) => e.entity?.find((x) => x.type?.code === 'XrequestId')?.what?.identifier?.value;
const byRequest = (peer: AmqpPeer, requestId: string) => peer.received.map(bodyOf).filter((e) => requestIdOf(e) === requestId);
const outcomeOf = (e: AuditEvent) => e.outcome;

describe('the facade audits every access to Event Hubs', () => {
  let peer: AmqpPeer;
  let stack: TestStack;
  let patientToken: string;
  let practitionerToken: string;
  let n = 0;
  const rid = () => `audit-e2e-${++n}`;

  beforeAll(async () => {
    peer = await AmqpPeer.create();
    // A short backoff cap so that delivery resumes promptly once the hub is back (the default is 30 s).
    stack = await startTestStack({ env: { AUDIT_EVENTHUB_CONNECTION_STRING: peer.connectionString(), AUDIT_SHIP_MAX_BACKOFF_MS: '1000' } });
    patientToken = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.cruds');
    practitionerToken = await stack.token('Practitioner/prac-01', 'openid fhirUser user/*.rs', undefined, 'provider-dashboard');
  });
  afterAll(async () => {
    await stack?.close();
    await peer?.close();
  });

  async function call(path: string, init: RequestInit & { token?: string } = {}) {
    const id = rid();
    const res = await stack.fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-request-id': id } });
    const text = await res.text();
    return { id, res, text };
  }

  it('a read yields one PatientRead event partitioned by the patient', async () => {
    const { id, res } = await call('Patient/pat-001', { token: patientToken });
    expect(res.status).toBe(200);
    await peer.waitFor(() => byRequest(peer, id).length >= 1);
    const events = byRequest(peer, id);
    expect(events).toHaveLength(1);
    expect(events[0]!.action).toBe('R');
    expect(outcomeOf(events[0]!)).toBe('0');
    const msg = peer.received.find((m) => requestIdOf(bodyOf(m)) === id)!;
    expect(msg.partitionKey).toBe('pat-001');
    expect(msg.messageId).toBe(events[0]!.id);
    const patientEntity = events[0]!.entity?.find((x) => x.what?.reference === 'Patient/pat-001');
    expect(patientEntity).toBeDefined();
    const agents = events[0]!.agent ?? [];
    expect(agents.some((a) => a.who?.reference === 'Patient/pat-001' && a.requestor)).toBe(true);
  });

  it('a search returning several patients yields one event per patient, with the query base64-encoded', async () => {
    const { id, res, text } = await call('Observation?code=8867-4&_count=200', { token: practitionerToken });
    expect(res.status).toBe(200);
    const patients = new Set(((JSON.parse(text) as Bundle).entry ?? []).map((e) => (e.resource as { subject?: { reference?: string } }).subject!.reference!.split('/')[1]));
    expect(patients.size).toBeGreaterThan(1);
    await peer.waitFor(() => byRequest(peer, id).length >= patients.size);
    const events = byRequest(peer, id);
    expect(events).toHaveLength(patients.size);
    const keys = peer.received.filter((m) => requestIdOf(bodyOf(m)) === id).map((m) => m.partitionKey);
    expect(new Set(keys)).toEqual(patients);
    for (const e of events) {
      expect(e.action).toBe('E');
      const query = e.entity?.find((x) => x.query)?.query;
      expect(query).toBeDefined();
      expect(Buffer.from(query!, 'base64').toString()).toContain('code=8867-4');
      expect(JSON.stringify(e)).not.toContain('code=8867-4'); // the query is never in plain text
    }
  });

  it('a write yields a Create event for the patient written', async () => {
    const body = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: 'Patient/pat-001' },
    };
    const { id, res } = await call('Observation', { method: 'POST', token: patientToken, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    await peer.waitFor(() => byRequest(peer, id).length >= 1);
    const [event] = byRequest(peer, id);
    expect(event!.action).toBe('C');
    expect(event!.entity?.some((x) => x.what?.reference === 'Patient/pat-001')).toBe(true);
  });

  it('a 401 is recorded with no user and a failure outcome, although no handler ran', async () => {
    const { id, res } = await call('Patient/pat-001', { token: 'not.a.token' });
    expect(res.status).toBe(401);
    await peer.waitFor(() => byRequest(peer, id).length >= 1);
    const [event] = byRequest(peer, id);
    expect(outcomeOf(event!)).toBe('4');
    expect(event!.agent?.some((a) => a.who?.reference?.startsWith('Patient/') || a.who?.reference?.startsWith('Practitioner/'))).toBe(false);
  });

  it("a 403 is recorded against the patient the attempt aimed at, naming the rule", async () => {
    const { id, res } = await call('Observation?patient=pat-002', { token: patientToken });
    expect(res.status).toBe(403);
    await peer.waitFor(() => byRequest(peer, id).length >= 1);
    const events = byRequest(peer, id);
    expect(events.map(outcomeOf)).toEqual(['4']);
    const msg = peer.received.find((m) => requestIdOf(bodyOf(m)) === id)!;
    expect(msg.partitionKey).toBe('pat-002');
    expect(events[0]!.outcomeDesc).toContain('compartment');
  });

  it('break-glass access is recorded with purpose of use BTG', async () => {
    const { id, res } = await call('Patient/pat-027', { token: practitionerToken, headers: { 'x-break-glass-reason': 'cardiac arrest in ED' } });
    expect(res.status).toBe(200);
    await peer.waitFor(() => byRequest(peer, id).length >= 1);
    const [event] = byRequest(peer, id);
    expect(JSON.stringify(event!.purposeOfEvent)).toContain('BTG');
  });

  it('an Event Hubs outage under load loses nothing: every request is delivered once the hub is back', async () => {
    await peer.stop();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const { id, res } = await call(`Observation?patient=pat-001&_count=1&i=${i}`, { token: patientToken });
      expect(res.status).toBe(200); // the outbox takes the events while the hub is down
      ids.push(id);
    }
    await new Promise((r) => setTimeout(r, 500));
    await peer.start();
    await peer.waitFor(() => ids.every((id) => byRequest(peer, id).length >= 1), 30_000);
    for (const id of ids) expect(byRequest(peer, id).length).toBeGreaterThanOrEqual(1);
  });
});
