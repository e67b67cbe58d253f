import { connect, PermissionViolationError, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { BusUnavailableError, type BusConsumer, type ConsumerOptions, type EventBus } from '../bus.ts';
import { natsDeadLetters } from '../dead-letters/nats.ts';
import type { StreamLimits } from '../streams.ts';
import { openNatsConsumer } from './consume.ts';
import { natsPublishing } from './publish.ts';
import { ensureStreams, streamProblems } from './streams.ts';

export interface NatsBusOptions {
  /** One URL or several (`nats://a:4222,nats://b:4222` is split). */
  servers: string | string[];
  user?: string;
  pass?: string;
  /** TLS: CA file (PEM) to trust, for servers with certificates of a private CA (infra/nats/tls). */
  tlsCaFile?: string;
  /** Connection name shown by the server (monitoring). */
  name?: string;
  /**
   * Prefix of the connection's reply inboxes (JetStream acks); default `_INBOX`. A
   * department's user may subscribe only under `_INBOX_<slug>` (`departmentInboxPrefix`).
   */
  inboxPrefix?: string;
  /**
   * Create or update `JOURNEY_EVENTS` and `JOURNEY_DLQ` on connect (idempotent). Needs the
   * JetStream API permission: the ingest/admin user has it, department users do not, so
   * department emitters pass false. Default true.
   */
  manageStreams?: boolean;
  /** How long to keep retrying the streams' creation while JetStream is not ready (a cluster electing its leader); default 30 000 ms. */
  streamsReadyMs?: number;
  streams?: StreamLimits;
  /** Default ack wait for publishes; default 5 000 ms. */
  publishTimeoutMs?: number;
}

export interface NatsBus extends EventBus {
  readonly kind: 'nats';
  /** The underlying connection and clients, for what this interface does not cover (KV buckets...). */
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
  /** The JetStream manager (streams, consumers, purges), created on first use. */
  manager(): Promise<JetStreamManager>;
  /** Creates or updates the streams (idempotent): what `manageStreams` does on connect. */
  ensureStreams(limits?: StreamLimits): Promise<void>;
}

function splitServers(servers: string | string[]): string[] {
  return (Array.isArray(servers) ? servers : [servers]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** Connects to NATS (reconnecting forever once connected) and returns the bus. */
export async function connectNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  const servers = splitServers(options.servers);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      ...(options.user !== undefined ? { user: options.user } : {}),
      ...(options.pass !== undefined ? { pass: options.pass } : {}),
      ...(options.inboxPrefix !== undefined ? { inboxPrefix: options.inboxPrefix } : {}),
      ...(options.tlsCaFile !== undefined ? { tls: { caFile: options.tlsCaFile } } : {}),
      name: options.name ?? 'journeys',
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      pingInterval: 10_000,
    });
  } catch (err) {
    throw new BusUnavailableError(`cannot connect to NATS at ${servers.join(', ')}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await natsBusFromConnection(nc, { ...options, ownsConnection: true });
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Wraps a connection someone else opened (an emitter handed `connection`). The caller
 * keeps ownership: `close()` closes the connection only when `ownsConnection` is true.
 */
export async function natsBusFromConnection(
  nc: NatsConnection,
  options: Omit<NatsBusOptions, 'servers' | 'user' | 'pass' | 'inboxPrefix' | 'tlsCaFile'> & { ownsConnection?: boolean } = {},
): Promise<NatsBus> {
  const publishTimeoutMs = options.publishTimeoutMs ?? 5000;
  const js = jetstream(nc, { timeout: publishTimeoutMs });
  let jsmPromise: Promise<JetStreamManager> | undefined;
  const jsm = () => (jsmPromise ??= jetstreamManager(nc, { checkAPI: false }));
  const publishing = natsPublishing(nc, publishTimeoutMs);
  const deadLetterStore = natsDeadLetters(js, jsm, { timeoutMs: publishTimeoutMs });
  const subs: Array<{ unsubscribe(): void }> = [];

  let connected = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') connected = false;
      else if (s.type === 'reconnect') connected = true;
      else if (s.type === 'error' && s.error instanceof PermissionViolationError && s.error.operation === 'publish') publishing.denied(s.error);
    }
  })().catch(() => undefined);

  const ensure = async (limits: StreamLimits = options.streams ?? {}) => ensureStreams(await jsm(), limits);
  if (options.manageStreams ?? true) {
    // A cluster that has just started answers no JetStream request until it has elected its
    // meta leader (the request times out): keep asking for a while before giving up.
    const deadline = Date.now() + (options.streamsReadyMs ?? 30_000);
    for (let attempt = 1; ; attempt++) {
      try {
        await ensure();
        break;
      } catch (err) {
        const transient = /timeout|no responders|unavailable|leader/i.test((err as Error).message);
        if (!transient || Date.now() >= deadline) throw new BusUnavailableError(`cannot create the JetStream streams: ${(err as Error).message}`, { cause: err });
        await new Promise((r) => setTimeout(r, Math.min(2000, 200 * attempt)));
      }
    }
  }
  const isConnected = () => connected && !nc.isClosed();

  return {
    kind: 'nats',
    connection: nc,
    js,
    manager: jsm,
    ensureStreams: ensure,
    publish: (events, publishOptions) => publishing.publish(events, publishOptions),
    publishRaw: (subject, payload, publishOptions) => publishing.publishRaw(subject, payload, publishOptions),

    async consumer(consumerOptions: ConsumerOptions = {}): Promise<BusConsumer> {
      if (nc.isClosed()) throw new BusUnavailableError('the NATS connection is closed');
      return openNatsConsumer(nc, js, await jsm(), consumerOptions, subs);
    },

    deadLetterStore,
    async deadLetter(letter, dlOptions = {}) {
      if (nc.isClosed()) throw new BusUnavailableError('the NATS connection is closed');
      await deadLetterStore.put(letter, dlOptions);
    },
    async deadLetters(dlOptions = {}) {
      return (await deadLetterStore.list({ limit: dlOptions.limit ?? 1_000_000, ...(dlOptions.department !== undefined ? { department: dlOptions.department } : {}) })).letters;
    },

    isConnected,
    async problems() {
      if (!isConnected()) return ['the bus is not connected to NATS'];
      return streamProblems(await jsm());
    },
    isClosed: () => nc.isClosed(),
    describe: () => `NATS JetStream at ${nc.getServer()}`,

    async close() {
      if (!nc.isClosed()) for (const sub of subs) sub.unsubscribe();
      publishing.close();
      if (options.ownsConnection && !nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}
