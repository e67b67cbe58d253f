import {
  connect,
  headers as natsHeaders,
  nanos,
  PermissionViolationError,
  type MsgHdrs,
  type NatsConnection,
} from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamConfig,
} from '@nats-io/jetstream';
import { departmentSlug, dlqSubject, DLQ_STREAM, EVENTS_STREAM, EVENTS_SUBJECTS, type JourneyEvent } from '@journeys/contracts';
import {
  BusUnavailableError,
  HEADER_DLQ_REASON,
  HEADER_DLQ_SUBJECT,
  HEADER_MSG_ID,
  type BusConsumer,
  type BusMessage,
  type ConsumerOptions,
  type DeadLetter,
  type DeadLetterInput,
  type EventBus,
  type PublishResult,
} from './bus.ts';
import { encodeEvent, toBytes } from './codec.ts';
import { consumerSettings, streamSettings, type StreamLimits } from './streams.ts';
import { pipelinedPublisher, PublishFailure } from './pipelined.ts';

export interface NatsBusOptions {
  /** One URL or several (`nats://a:4222,nats://b:4222` is split). */
  servers: string | string[];
  user?: string;
  pass?: string;
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
  options: Omit<NatsBusOptions, 'servers' | 'user' | 'pass' | 'inboxPrefix'> & { ownsConnection?: boolean } = {},
): Promise<NatsBus> {
  const js = jetstream(nc, { timeout: options.publishTimeoutMs ?? 5000 });
  let jsmPromise: Promise<JetStreamManager> | undefined;
  const jsm = () => (jsmPromise ??= jetstreamManager(nc, { checkAPI: false }));
  const publishTimeoutMs = options.publishTimeoutMs ?? 5000;

  let connected = true;
  const publisher = pipelinedPublisher(nc);
  const exhaustedSubs: Array<{ unsubscribe(): void }> = [];
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') connected = false;
      else if (s.type === 'reconnect') connected = true;
      // a publish refused by the server's permissions gets no JetStream reply, only an
      // async -ERR naming the subject: fail the waiting publishes on that subject at once
      else if (s.type === 'error' && s.error instanceof PermissionViolationError && s.error.operation === 'publish') publisher.denied(s.error);
    }
  })().catch(() => undefined);

  const publishOne = async (subject: string, data: Uint8Array, id: string, msgId: string | undefined, extra: MsgHdrs | undefined, timeoutMs: number): Promise<PublishResult> => {
    let hdrs = extra;
    if (msgId !== undefined) {
      hdrs ??= natsHeaders();
      hdrs.set(HEADER_MSG_ID, msgId);
    }
    try {
      const ack = await publisher.publish(subject, data, hdrs, timeoutMs);
      return { id, ok: true, duplicate: ack.duplicate, seq: ack.seq };
    } catch (err) {
      return { id, ok: false, duplicate: false, error: classify(err) };
    }
  };

  const ensureStreams = async (limits: StreamLimits = options.streams ?? {}) => {
    const s = streamSettings(limits);
    const manager = await jsm();
    for (const def of [s.events, s.dlq]) {
      const config: Partial<StreamConfig> & { name: string } = {
        name: def.name,
        subjects: def.subjects,
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        discard: DiscardPolicy.New,
        max_age: nanos(def.maxAgeMs),
        max_bytes: def.maxBytes,
        max_msg_size: def.maxMsgSize,
        duplicate_window: nanos(def.duplicateWindowMs),
        num_replicas: def.replicas,
        allow_direct: true,
      };
      await upsertStream(manager, config);
    }
  };

  if (options.manageStreams ?? true) {
    try {
      await ensureStreams();
    } catch (err) {
      throw new BusUnavailableError(`cannot create the JetStream streams: ${(err as Error).message}`, { cause: err });
    }
  }

  const bus: NatsBus = {
    kind: 'nats',
    connection: nc,
    js,
    manager: jsm,
    ensureStreams,

    async publish(events: readonly JourneyEvent[], publishOptions = {}) {
      if (nc.isClosed()) throw new BusUnavailableError('the NATS connection is closed');
      const timeoutMs = publishOptions.timeoutMs ?? publishTimeoutMs;
      return Promise.all(
        events.map((event) => {
          const { subject, data } = encodeEvent(event);
          return publishOne(subject, data, event.id, event.id, undefined, timeoutMs);
        }),
      );
    },

    async publishRaw(subject, payload, publishOptions = {}) {
      if (nc.isClosed()) throw new BusUnavailableError('the NATS connection is closed');
      let hdrs: MsgHdrs | undefined;
      if (publishOptions.headers && Object.keys(publishOptions.headers).length > 0) {
        hdrs = natsHeaders();
        for (const [k, v] of Object.entries(publishOptions.headers)) hdrs.set(k, v);
      }
      return publishOne(subject, toBytes(payload), publishOptions.msgId ?? '', publishOptions.msgId, hdrs, publishOptions.timeoutMs ?? publishTimeoutMs);
    },

    async consumer(consumerOptions: ConsumerOptions = {}): Promise<BusConsumer> {
      if (nc.isClosed()) throw new BusUnavailableError('the NATS connection is closed');
      const settings = consumerSettings(consumerOptions);
      const manager = await jsm();
      await upsertConsumer(manager, settings);
      if (consumerOptions.onExhausted) {
        const handler = consumerOptions.onExhausted;
        // One queue group: when several ingest processes share the consumer, one of them handles each advisory.
        const sub = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${EVENTS_STREAM}.${settings.durable}`, {
          queue: settings.durable,
          callback: (err, msg) => {
            if (err) return;
            void (async () => {
              const advisory = msg.json<{ stream_seq: number; deliveries: number }>();
              const stored = await manager.streams.getMessage(EVENTS_STREAM, { seq: advisory.stream_seq });
              if (!stored) return; // aged out or already removed
              await handler({ subject: stored.subject, data: stored.data, headers: headersToRecord(stored.header), streamSeq: stored.seq, deliveries: advisory.deliveries });
            })().catch(() => undefined);
          },
        });
        exhaustedSubs.push(sub);
      }
      return natsConsumer(js, settings.durable, {
        // the shortest ack deadline of any delivery: refresh well within it
        keepAliveMs: Math.max(100, Math.floor(Math.min(settings.ackWaitMs, ...settings.backoffMs) / 3)),
        maxHoldMs: consumerOptions.maxHoldMs ?? DEFAULT_MAX_HOLD_MS,
      });
    },

    async deadLetter(letter: DeadLetterInput, dlOptions = {}) {
      if (nc.isClosed()) throw new BusUnavailableError('the NATS connection is closed');
      const slug = letter.departmentSlug ?? 'unknown';
      const subject = dlqSubject(slug === 'unknown' ? undefined : slug);
      const hdrs = natsHeaders();
      hdrs.set(HEADER_DLQ_REASON, letter.reason);
      hdrs.set(HEADER_DLQ_SUBJECT, letter.subject);
      // the events stream caps a message at 128 KiB, but escaping can grow its text; keep
      // a dead letter well inside the server's max_payload rather than fail to store it
      const tooLong = letter.payload.length > MAX_DEAD_LETTER_PAYLOAD;
      const body = {
        reason: letter.reason,
        detail: letter.detail,
        problems: (letter.problems ?? []).slice(0, 200),
        subject: letter.subject,
        payload: tooLong ? letter.payload.slice(0, MAX_DEAD_LETTER_PAYLOAD) : letter.payload,
        ...(tooLong ? { payloadTruncatedFrom: letter.payload.length } : {}),
        departmentSlug: slug,
        eventId: letter.eventId,
        streamSeq: letter.streamSeq,
        deliveries: letter.deliveries,
        deadLetteredAt: new Date().toISOString(),
      };
      const ack = await js.publish(subject, JSON.stringify(body), {
        headers: hdrs,
        ...(dlOptions.dedupeKey !== undefined ? { msgID: dlOptions.dedupeKey } : {}),
        timeout: publishTimeoutMs,
      });
      void ack;
    },

    async deadLetters(dlOptions = {}) {
      const manager = await jsm();
      const info = await manager.streams.info(DLQ_STREAM);
      const wanted = dlOptions.department !== undefined ? dlqSubject(departmentSlug(dlOptions.department)) : undefined;
      const limit = dlOptions.limit ?? 10_000;
      const out: DeadLetter[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && out.length < limit && info.state.messages > 0; seq++) {
        let stored;
        try {
          stored = await manager.streams.getMessage(DLQ_STREAM, { seq });
        } catch (err) {
          if (err instanceof JetStreamApiError) continue; // deleted or aged out
          throw err;
        }
        if (!stored || (wanted !== undefined && stored.subject !== wanted)) continue;
        const body = JSON.parse(new TextDecoder().decode(stored.data)) as Omit<DeadLetter, 'dlqSubject' | 'dlqSeq'>;
        out.push({ ...body, problems: body.problems ?? [], dlqSubject: stored.subject, dlqSeq: stored.seq });
      }
      return out;
    },

    isConnected: () => connected && !nc.isClosed(),
    describe: () => `NATS JetStream at ${nc.getServer()}`,

    async close() {
      if (!nc.isClosed()) for (const sub of exhaustedSubs) sub.unsubscribe();
      publisher.close();
      if (options.ownsConnection && !nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
  return bus;
}

/**
 * Messages one `consume()` keeps requested from the server; the local buffer holds up to
 * twice as many. Enough to keep ingest busy between two pulls at tens of thousands of
 * events per second, small enough that a crash strands few messages.
 */
const PREFETCH = 1000;

/** Characters of the original payload a dead letter keeps. */
const MAX_DEAD_LETTER_PAYLOAD = 256 * 1024;

function classify(err: unknown): { code: 'unavailable' | 'rejected'; message: string } {
  const e = err as Error;
  if (e instanceof PublishFailure) return { code: e.code, message: e.message };
  // the client may wrap the server's -ERR (a RequestError whose cause is the violation)
  for (let c: unknown = err; c instanceof Error; c = c.cause) {
    if (c instanceof PermissionViolationError || /permissions violation/i.test(c.message)) return { code: 'rejected', message: c.message };
    if (c instanceof JetStreamApiError) return { code: 'rejected', message: c.message };
  }
  // timeouts, no responders (JetStream away), closed/draining connection
  return { code: 'unavailable', message: e?.message ?? String(err) };
}

function headersToRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const k of h.keys()) out[k] = h.get(k);
  return out;
}

async function upsertStream(manager: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await manager.streams.info(config.name);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== 10059) throw err; // 10059: stream not found
    try {
      await manager.streams.add(config);
      return;
    } catch (addErr) {
      // another process created it at the same moment: fall through to update
      if (!(addErr instanceof JetStreamApiError) || addErr.code !== 10058) throw addErr;
    }
  }
  const { name, storage: _storage, retention: _retention, ...update } = config;
  await manager.streams.update(name, update);
}

async function upsertConsumer(manager: JetStreamManager, settings: ReturnType<typeof consumerSettings>): Promise<void> {
  const config = {
    durable_name: settings.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: EVENTS_SUBJECTS,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: settings.maxDeliver,
    backoff: settings.backoffMs.map((ms) => nanos(ms)),
    max_ack_pending: 20_000,
  };
  try {
    await manager.consumers.info(EVENTS_STREAM, settings.durable);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== 10014) throw err; // 10014: consumer not found
    try {
      await manager.consumers.add(EVENTS_STREAM, config);
      return;
    } catch (addErr) {
      if (!(addErr instanceof JetStreamApiError) || addErr.code !== 10148) throw addErr; // created concurrently
    }
  }
  const { durable_name: _d, deliver_policy: _p, filter_subject: _f, ...update } = config;
  await manager.consumers.update(EVENTS_STREAM, settings.durable, update);
}

/** How long a live consumer keeps extending the ack deadline of a message it holds. */
const DEFAULT_MAX_HOLD_MS = 120_000;

/**
 * A pull consumer with a continuous `consume()` feeding a small local buffer, so that a
 * batch is handed over as soon as one message is there (low latency at low rates) and
 * grows to `max` under load (throughput). The buffer is bounded: when ingest falls behind,
 * pulling pauses.
 *
 * Every message this process holds (buffered, or handed out and not yet acked, nak'd or
 * terminated) gets an in-progress ack every `keepAliveMs`, so the consumer's ack wait can be
 * short: it only decides how soon the messages of a process that died (SIGKILL, lost
 * machine) go to another one, not how long a slow batch or a store outage may take. A
 * message held longer than `maxHoldMs` (a hung process) is no longer extended and comes
 * back after its ack deadline; the store ignores an id it already has.
 */
async function natsConsumer(js: JetStreamClient, durable: string, options: { keepAliveMs: number; maxHoldMs: number }): Promise<BusConsumer> {
  const consumer = await js.consumers.get(EVENTS_STREAM, durable);
  // in-flight pulls plus the local buffer bound what a crash leaves waiting for the ack wait
  const messages = await consumer.consume({ max_messages: PREFETCH, expires: 5000 });
  const buffer: JsMsg[] = [];
  const HIGH_WATER = 2 * PREFETCH;
  /** Messages held here, with when they arrived. */
  const held = new Map<JsMsg, number>();
  let notify: (() => void) | undefined;
  let space: (() => void) | undefined;
  let open = true;

  const keepAlive = setInterval(() => {
    const now = Date.now();
    for (const [m, since] of held) {
      if (now - since > options.maxHoldMs) held.delete(m);
      else m.working();
    }
  }, options.keepAliveMs);
  keepAlive.unref();

  void (async () => {
    for await (const m of messages) {
      held.set(m, Date.now());
      buffer.push(m);
      notify?.();
      if (buffer.length >= HIGH_WATER) await new Promise<void>((r) => (space = r));
    }
  })().catch(() => undefined);

  const toBusMessage = (m: JsMsg): BusMessage => ({
    subject: m.subject,
    data: m.data,
    // decoded on first use: most messages are read for their Nats-Msg-Id only
    get headers() {
      const value = headersToRecord(m.headers);
      Object.defineProperty(this, 'headers', { value });
      return value;
    },
    deliveryCount: m.info.deliveryCount,
    streamSeq: m.info.streamSequence,
    ack() {
      held.delete(m);
      m.ack();
      return Promise.resolve();
    },
    nak(delayMs?: number) {
      held.delete(m);
      m.nak(delayMs);
    },
    working() {
      m.working();
    },
    term() {
      held.delete(m);
      m.term();
    },
  });

  return {
    async fetch({ max, expiresMs }) {
      if (buffer.length === 0 && open) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, expiresMs);
          function done() {
            clearTimeout(timer);
            notify = undefined;
            resolve();
          }
          notify = done;
        });
      }
      // messages may be waking us from inside the socket read that brings them, or still sit
      // in the client's iterator: let them reach the buffer before taking a batch (bigger
      // batches, more events per journey append)
      await new Promise((r) => setImmediate(r));
      const batch = buffer.splice(0, max);
      if (buffer.length < HIGH_WATER && space) {
        const s = space;
        space = undefined;
        s();
      }
      return batch.map(toBusMessage);
    },
    async close() {
      open = false;
      clearInterval(keepAlive);
      notify?.();
      space?.();
      await messages.close().catch(() => undefined);
      // messages still buffered here were never handed out: give them back for redelivery now
      for (const m of buffer.splice(0)) m.nak();
      held.clear();
    },
  };
}
