/**
 * A real AMQP 1.0 peer on loopback, built with rhea, that the real `EventHubProducerClient` talks to through
 * `Endpoint=sb://127.0.0.1:<port>;...;UseDevelopmentEmulator=true` (plain AMQP, no TLS). It does what the SDK
 * needs from Event Hubs and nothing more:
 * - SASL ANONYMOUS/PLAIN (any credentials);
 * - `$cbs` put-token requests: answered 200;
 * - `$management` READ requests for `com.microsoft:eventhub` and `com.microsoft:partition`: answered with the
 *   hub's / partition's properties, on the link whose name equals the request's `reply_to`;
 * - `max_message_size` set on every attach of a link the client sends on;
 * - sends to `<hub>` or `<hub>/Partitions/<n>`: accepted and recorded, batch envelopes (message format
 *   0x80013700) unpacked into their events, each with its partition key (`x-opt-partition-key`);
 * - `stop()` drops every connection and refuses new ones until `start()` (an outage).
 *
 * @see https://learn.microsoft.com/azure/event-hubs/event-hubs-amqp-troubleshoot
 * @see https://docs.oasis-open.org/amqp/core/v1.0/amqp-core-complete-v1.0.pdf
 */
import type { Server, Socket } from 'node:net';
import rhea from 'rhea';
import type { Connection, EventContext, Message, Sender } from 'rhea';

/** One event as the peer received it. */
export interface ReceivedEvent {
  /** Link target: `audit` or `audit/Partitions/<n>`. */
  readonly address: string;
  readonly partitionKey?: string;
  readonly messageId?: string;
  readonly contentType?: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly body: Buffer;
}

export interface AmqpPeerOptions {
  /** Event hub name (the connection string's `EntityPath`). Default `audit`. */
  readonly eventHubName?: string;
  readonly partitionCount?: number;
  /** Advertised on attach; the SDK sizes batches by it. Default 256 KiB. */
  readonly maxMessageSize?: number;
}

const BATCH_FORMAT = 0x80013700;

export class AmqpPeer {
  readonly received: ReceivedEvent[] = [];
  private readonly container = rhea.create_container({ id: 'amqp-peer' });
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private readonly listeners = new Set<() => void>();
  private port_ = 0;
  readonly eventHubName: string;
  readonly partitionIds: string[];
  private readonly maxMessageSize: number;

  private constructor(options: AmqpPeerOptions) {
    this.eventHubName = options.eventHubName ?? 'audit';
    this.partitionIds = Array.from({ length: options.partitionCount ?? 4 }, (_, i) => String(i));
    this.maxMessageSize = options.maxMessageSize ?? 256 * 1024;
    this.container.sasl_server_mechanisms.enable_anonymous();
    this.container.sasl_server_mechanisms.enable_plain(() => true);
    this.container.on('sender_open', (ctx: EventContext) => this.onSenderOpen(ctx));
    this.container.on('receiver_open', (ctx: EventContext) => this.onReceiverOpen(ctx));
    this.container.on('message', (ctx: EventContext) => this.onMessage(ctx));
    // Dropped connections are expected during an outage; keep them from surfacing as unhandled errors.
    for (const event of ['disconnected', 'error', 'connection_error', 'session_error', 'sender_error', 'receiver_error', 'protocol_error']) {
      this.container.on(event, () => undefined);
    }
  }

  /** Starts a peer on 127.0.0.1 (an ephemeral port unless given). */
  static async create(options: AmqpPeerOptions & { port?: number } = {}): Promise<AmqpPeer> {
    const peer = new AmqpPeer(options);
    await peer.listen(options.port ?? 0);
    return peer;
  }

  get port(): number {
    return this.port_;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Connection string for the real SDK (plain AMQP because of `UseDevelopmentEmulator=true`). */
  connectionString(): string {
    return `Endpoint=sb://127.0.0.1:${this.port_};SharedAccessKeyName=x;SharedAccessKey=y;EntityPath=${this.eventHubName};UseDevelopmentEmulator=true`;
  }

  /** Distinct message ids received (duplicates after retries collapse here). */
  uniqueIds(): Set<string> {
    return new Set(this.received.flatMap((e) => (e.messageId ? [e.messageId] : [])));
  }

  /** Resolves when `predicate` holds (checked on each received event), rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`AmqpPeer.waitFor timed out after ${timeoutMs} ms (${this.received.length} events received)`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  /** Outage: closes the listener and drops every connection; connects are refused until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Ends the outage: listens again on the same port. */
  async start(): Promise<void> {
    if (!this.server) await this.listen(this.port_);
  }

  async close(): Promise<void> {
    await this.stop();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = this.container.listen({ port, host: '127.0.0.1' }) as unknown as Server;
      server.on('connection', (socket: Socket) => {
        socket.setNoDelay(true); // as a broker would: no Nagle delay on dispositions and management replies
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      });
      server.once('error', reject);
      server.once('listening', () => {
        const address = server.address();
        this.port_ = typeof address === 'object' && address ? address.port : port;
        this.server = server;
        resolve();
      });
    });
  }

  /** The client opened a receiver (our sender): mirror its source so request/response links line up. */
  private onSenderOpen(ctx: EventContext): void {
    const sender = ctx.sender!;
    const source = (sender as unknown as { remote: { attach?: { source?: { address?: string } } } }).remote.attach?.source;
    if (source?.address) sender.set_source({ address: source.address });
  }

  /** The client opened a sender (our receiver): advertise the maximum message size the SDK sizes batches by. */
  private onReceiverOpen(ctx: EventContext): void {
    const receiver = ctx.receiver!;
    const internals = receiver as unknown as { local: { attach: { max_message_size?: number } }; remote: { attach?: { target?: { address?: string } } } };
    internals.local.attach.max_message_size = this.maxMessageSize;
    const target = internals.remote.attach?.target;
    if (target?.address) receiver.set_target({ address: target.address });
  }

  private onMessage(ctx: EventContext): void {
    // rhea decodes only format-0 messages; other formats (the batch envelope) arrive as the raw bytes.
    const raw = ctx.message as unknown;
    const message = Buffer.isBuffer(raw) ? (rhea.message.decode(raw) as unknown as Message) : ctx.message!;
    const address = ctx.receiver?.target?.address ?? '';
    if (address === '$cbs') return this.reply(ctx.connection, message, 200, 'OK', undefined);
    if (address === '$management') return this.onManagement(ctx.connection, message);
    if (address !== this.eventHubName && !address.startsWith(`${this.eventHubName}/Partitions/`)) return;
    const format = (ctx.delivery as unknown as { format?: number } | undefined)?.format;
    const envelopeKey = partitionKeyOf(message);
    const inner = format === BATCH_FORMAT ? sectionBuffers(message.body).map((b) => rhea.message.decode(b) as unknown as Message) : [message];
    for (const event of inner) {
      this.received.push({
        address,
        partitionKey: partitionKeyOf(event) ?? envelopeKey,
        ...(event.message_id !== undefined ? { messageId: String(event.message_id) } : {}),
        ...(event.content_type ? { contentType: String(event.content_type) } : {}),
        properties: { ...(event.application_properties ?? {}) },
        body: sectionBuffers(event.body)[0] ?? Buffer.alloc(0),
      });
    }
    for (const listener of [...this.listeners]) listener();
  }

  private onManagement(connection: Connection, request: Message): void {
    const props = (request.application_properties ?? {}) as Record<string, unknown>;
    if (props['operation'] !== 'READ' || props['name'] !== this.eventHubName) {
      return this.reply(connection, request, 404, 'Not found', undefined);
    }
    if (props['type'] === 'com.microsoft:eventhub') {
      return this.reply(connection, request, 200, 'OK', {
        name: this.eventHubName,
        type: 'com.microsoft:eventhub',
        created_at: new Date(0),
        partition_count: this.partitionIds.length,
        partition_ids: this.partitionIds,
      });
    }
    if (props['type'] === 'com.microsoft:partition' && this.partitionIds.includes(String(props['partition']))) {
      return this.reply(connection, request, 200, 'OK', {
        name: this.eventHubName,
        type: 'com.microsoft:partition',
        partition: String(props['partition']),
        begin_sequence_number: 0,
        last_enqueued_sequence_number: -1,
        last_enqueued_offset: '-1',
        last_enqueued_time_utc: new Date(0),
        is_partition_empty: true,
      });
    }
    this.reply(connection, request, 404, 'Not found', undefined);
  }

  /** Answers a request on the link whose name (or address) equals its `reply_to`. */
  private reply(connection: Connection, request: Message, status: number, description: string, body: unknown): void {
    const replyTo = request.reply_to;
    const sender = connection.find_sender((s: Sender) => s.name === replyTo || s.source?.address === replyTo);
    if (!sender) return;
    sender.send({
      correlation_id: request.message_id,
      application_properties: { 'status-code': status, 'status-description': description },
      body,
    });
  }
}

function partitionKeyOf(message: Message): string | undefined {
  const key = (message.message_annotations as Record<string, unknown> | undefined)?.['x-opt-partition-key'];
  return key === undefined || key === null ? undefined : String(key);
}

/** The data sections of a body as Buffers (rhea collects several sections into one with `multiple`). */
function sectionBuffers(body: unknown): Buffer[] {
  const section = body as { typecode?: number; content?: unknown; multiple?: boolean } | undefined;
  if (Buffer.isBuffer(body)) return [body];
  if (!section || section.typecode !== 0x75) return [];
  const content = section.multiple ? (section.content as unknown[]) : [section.content];
  return content.filter((c): c is Buffer => Buffer.isBuffer(c));
}
