/**
 * Delivers audit events to Azure Event Hubs with `EventHubProducerClient`: one `EventDataBatch` per partition
 * key (the patient id, so one patient's events stay in order on one partition), each batch sized by
 * `createBatch`, a new batch opened when the previous one is full.
 *
 * Each message carries the AuditEvent's canonical JSON as its body (`application/fhir+json`), the AuditEvent.id
 * as `messageId` (consumers drop duplicates by it: delivery is at-least-once) and the local chain hash as the
 * application property `audit-hash`.
 *
 * Authentication: a connection string (`AUDIT_EVENTHUB_CONNECTION_STRING` + `AUDIT_EVENTHUB_NAME`), or the
 * namespace with `DefaultAzureCredential` (managed identity in Azure). Locally, a connection string with
 * `UseDevelopmentEmulator=true` speaks plain AMQP (the emulator, or the test peer).
 *
 * @see https://learn.microsoft.com/javascript/api/@azure/event-hubs/eventhubproducerclient
 * @see https://learn.microsoft.com/azure/event-hubs/event-hubs-features#mapping-of-events-to-partitions
 */
import type {
  EventHubProducerClient,
  EventData,
  EventDataBatch,
  EventHubClientOptions,
  TokenCredential,
} from '@azure/event-hubs';
import { azureEventHubs, azureIdentity } from '../config/azure-sdk.loader.js';
import type { AuditSink, AuditSinkMessage } from './audit-sink.js';

export type EventHubsSinkOptions =
  | {
      readonly connectionString: string;
      /** Needed unless the connection string has `EntityPath`. */
      readonly eventHubName?: string;
      readonly clientOptions?: EventHubClientOptions;
    }
  | {
      /** e.g. `my-namespace.servicebus.windows.net`. */
      readonly fullyQualifiedNamespace: string;
      readonly eventHubName: string;
      /** `DefaultAzureCredential` when omitted. */
      readonly credential?: TokenCredential;
      readonly clientOptions?: EventHubClientOptions;
    };

/**
 * SDK retries are kept short (its default is 3 retries 30 s apart, 60 s each): the shipper owns the long
 * backoff, and a hung send must not outlive the shutdown drain deadline.
 */
const DEFAULT_CLIENT_OPTIONS: EventHubClientOptions = { retryOptions: { maxRetries: 1, retryDelayInMs: 1_000, timeoutInMs: 15_000 } };

export class EventHubsSink implements AuditSink {
  private readonly producer: EventHubProducerClient;

  constructor(options: EventHubsSinkOptions) {
    const clientOptions = { ...DEFAULT_CLIENT_OPTIONS, ...options.clientOptions };
    const { EventHubProducerClient } = azureEventHubs();
    if ('connectionString' in options) {
      this.producer = options.eventHubName
        ? new EventHubProducerClient(options.connectionString, options.eventHubName, clientOptions)
        : new EventHubProducerClient(options.connectionString, clientOptions);
    } else {
      this.producer = new EventHubProducerClient(
        options.fullyQualifiedNamespace,
        options.eventHubName,
        options.credential ?? new (azureIdentity().DefaultAzureCredential)(),
        clientOptions,
      );
    }
  }

  /** Sends every message, grouped by partition key; resolves once all batches are acknowledged. */
  async send(messages: readonly AuditSinkMessage[]): Promise<void> {
    const groups = new Map<string, AuditSinkMessage[]>();
    for (const m of messages) {
      const group = groups.get(m.partitionKey);
      if (group) group.push(m);
      else groups.set(m.partitionKey, [m]);
    }
    await Promise.all([...groups].map(([partitionKey, group]) => this.sendGroup(partitionKey, group)));
  }

  async close(): Promise<void> {
    await this.producer.close();
  }

  private async sendGroup(partitionKey: string, group: readonly AuditSinkMessage[]): Promise<void> {
    let batch: EventDataBatch = await this.producer.createBatch({ partitionKey });
    for (const message of group) {
      const event = toEventData(message);
      if (batch.tryAdd(event)) continue;
      if (batch.count === 0) throw new Error(`audit event ${message.id} exceeds the Event Hubs message size`);
      await this.producer.sendBatch(batch);
      batch = await this.producer.createBatch({ partitionKey });
      if (!batch.tryAdd(event)) throw new Error(`audit event ${message.id} exceeds the Event Hubs message size`);
    }
    if (batch.count > 0) await this.producer.sendBatch(batch);
  }
}

function toEventData(message: AuditSinkMessage): EventData {
  return {
    body: Buffer.from(message.body, 'utf8'),
    contentType: 'application/fhir+json',
    messageId: message.id,
    ...(message.hash ? { properties: { 'audit-hash': message.hash } } : {}),
  };
}
