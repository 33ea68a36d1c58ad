/**
 * The audit pipeline end to end with the real `EventHubProducerClient` against a real AMQP 1.0 peer on loopback:
 * factory -> outbox (SQLite) -> shipper -> EventHubsSink -> AMQP -> peer.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_PATIENT_PARTITION, patientOf } from '../../src/audit/audit-event.factory.js';
import type { AuditOutbox } from '../../src/audit/audit-outbox.js';
import type { AuditRecord } from '../../src/audit/audit-record.js';
import { AuditRecorder } from '../../src/audit/audit-recorder.js';
import { AuditShipper } from '../../src/audit/audit-shipper.js';
import { EventHubsSink } from '../../src/audit/event-hubs.sink.js';
import { AmqpPeer, type ReceivedEvent } from '../support/amqp-peer.js';
import { auditRecord, factoryOptions } from './audit-fixtures.js';
import { eventsFor, openOutbox, tempStore, type TempStore } from './audit-store-helpers.js';

const sinkFor = (peer: AmqpPeer) =>
  new EventHubsSink({ connectionString: peer.connectionString(), clientOptions: { retryOptions: { maxRetries: 0, timeoutInMs: 3_000 } } });
const bodyOf = (e: ReceivedEvent) => JSON.parse(e.body.toString('utf8')) as AuditEvent;
const shipperOptions = { baseBackoffMs: 50, maxBackoffMs: 500, batchSize: 100 };
/** The peer sees a message before the SDK reports the send settled; wait for the outbox to catch up. */
const settled = async (outbox: AuditOutbox, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (outbox.pendingCount() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return outbox.pendingCount();
};

describe('audit delivery to Event Hubs (real SDK, AMQP peer)', () => {
  let peer: AmqpPeer;
  let store: TempStore;
  let outbox: AuditOutbox;
  let sink: EventHubsSink;
  let shipper: AuditShipper;

  beforeEach(async () => {
    peer = await AmqpPeer.create();
    store = tempStore();
    outbox = openOutbox(store.path);
    sink = sinkFor(peer);
    shipper = new AuditShipper(outbox, sink, shipperOptions);
  });
  afterEach(async () => {
    await shipper.stop();
    await sink.close();
    outbox.close();
    await peer.close();
    store.cleanup();
  });

  it('every request of a mixed run arrives as its BALP AuditEvents, partitioned by patient, with id and chain hash', async () => {
    const recorder = new AuditRecorder(outbox, factoryOptions);
    const run: Array<{ record: AuditRecord; action: string; outcome: string }> = [
      { record: auditRecord({ requestId: 'read' }), action: 'R', outcome: '0' },
      { record: auditRecord({ requestId: 'search', interaction: 'search-type', resourceId: undefined, queryString: 'code=8867-4', patients: ['pat-001', 'pat-002', 'pat-003'] }), action: 'E', outcome: '0' },
      { record: auditRecord({ requestId: 'create', interaction: 'create', method: 'POST', status: 201, patients: ['pat-004'] }), action: 'C', outcome: '0' },
      { record: auditRecord({ requestId: 'update', interaction: 'update', method: 'PUT', patients: ['pat-002'] }), action: 'U', outcome: '0' },
      { record: auditRecord({ requestId: 'delete', interaction: 'delete', method: 'DELETE', status: 204, patients: ['pat-003'] }), action: 'D', outcome: '0' },
      { record: auditRecord({ requestId: 'unauth', principal: undefined, status: 401, interaction: 'unknown', patients: [] }), action: 'E', outcome: '4' },
      { record: auditRecord({ requestId: 'denied', status: 403, outcomeText: 'denied by rule scope', patients: ['pat-005'] }), action: 'R', outcome: '4' },
      { record: auditRecord({ requestId: 'btg', breakGlassReason: 'ED trauma', patients: ['pat-006'] }), action: 'R', outcome: '0' },
    ];
    const written = run.flatMap(({ record }) => recorder.record(record));
    expect(written).toHaveLength(10);
    const hashes = new Map(outbox.pending(100).map((p) => [p.id, p.hash]));
    shipper.start();
    await peer.waitFor(() => peer.uniqueIds().size === written.length);

    for (const received of peer.received) {
      const event = bodyOf(received);
      expect(received.messageId).toBe(event.id);
      expect(received.partitionKey).toBe(patientOf(event) ?? NO_PATIENT_PARTITION);
      expect(received.contentType).toBe('application/fhir+json');
      expect(received.properties['audit-hash']).toBe(hashes.get(event.id!));
      const requestId = event.entity?.find((e) => e.type?.code === 'XrequestId')?.what?.identifier?.value;
      const expected = run.find((r) => r.record.requestId === requestId)!;
      expect(event).toMatchObject({ resourceType: 'AuditEvent', type: { code: 'rest' }, action: expected.action, outcome: expected.outcome });
      expect(event.agent?.map((a) => a.type?.coding?.[0]?.code)).toEqual(expected.record.principal ? ['110153', '110152', 'UserOauthAgent'] : ['110153', '110152']);
    }
    const byRequest = (id: string) => peer.received.map(bodyOf).filter((e) => e.entity?.some((x) => x.what?.identifier?.value === id));
    expect(byRequest('search').map(patientOf).sort()).toEqual(['pat-001', 'pat-002', 'pat-003']);
    expect(byRequest('unauth').map(patientOf)).toEqual([undefined]);
    expect(byRequest('btg')[0]?.purposeOfEvent?.[0]?.coding?.[0]?.code).toBe('BTG');
    expect(await settled(outbox)).toBe(0);
  });

  it('when Event Hubs goes away under load and comes back, every event arrives (none lost, duplicates only by id)', async () => {
    const total = 1_500;
    shipper.start();
    let appended = 0;
    const appendSome = (n: number) => {
      for (let i = 0; i < n && appended < total; i++, appended++) outbox.append(eventsFor(appended, [`pat-${appended % 50}`]));
    };
    const load = (async () => {
      while (appended < total) {
        appendSome(25);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await peer.waitFor(() => peer.received.length >= 200);
    await peer.stop();
    await new Promise((r) => setTimeout(r, 1_500));
    const duringOutage = outbox.pendingCount();
    await peer.start();
    await load;
    await peer.waitFor(() => peer.uniqueIds().size === total, 60_000);

    expect(duringOutage).toBeGreaterThan(0);
    expect(peer.uniqueIds().size).toBe(total);
    for (const received of peer.received) expect(received.partitionKey).toBe(patientOf(bodyOf(received)));
    expect(await settled(outbox)).toBe(0);
  });

  it('a shipper that died with events pending (closed without drain) is replaced by one that delivers them', async () => {
    await peer.stop();
    shipper.start();
    for (let i = 0; i < 40; i++) outbox.append(eventsFor(i, [`pat-${i % 5}`]));
    const ids = new Set(outbox.pending(100).map((p) => p.id));
    // Crash: no drain; the sink and the store are dropped with the events still pending.
    await shipper.stop();
    await sink.close();
    outbox.close();

    await peer.start();
    outbox = openOutbox(store.path);
    expect(outbox.pendingCount()).toBe(40);
    sink = sinkFor(peer);
    shipper = new AuditShipper(outbox, sink, shipperOptions);
    shipper.start();
    await peer.waitFor(() => peer.uniqueIds().size === 40);
    expect(peer.uniqueIds()).toEqual(ids);
    expect(await settled(outbox)).toBe(0);
  });

  it('drain on shutdown delivers what is pending within the deadline', async () => {
    for (let i = 0; i < 300; i++) outbox.append(eventsFor(i));
    await expect(shipper.drain(20_000)).resolves.toEqual({ drained: true, pending: 0 });
    expect(peer.uniqueIds().size).toBe(300);
  });
});
