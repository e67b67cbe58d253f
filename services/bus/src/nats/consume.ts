import { nanos, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, JetStreamApiError, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { EVENTS_STREAM, EVENTS_SUBJECTS } from '@journeys/contracts';
import type { BusConsumer, BusMessage, ConsumerOptions } from '../bus.ts';
import { consumerSettings, type ConsumerSettings } from '../streams.ts';

/**
 * Messages one `consume()` keeps requested from the server; the local buffer holds up to
 * twice as many. Enough to keep ingest busy between two pulls at tens of thousands of
 * events per second, small enough that a crash strands few messages.
 */
const PREFETCH = 1000;

export function headersToRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const k of h.keys()) out[k] = h.get(k);
  return out;
}

/** Opens (creating or updating) the durable ingest consumer; `subs` collects what `close()` must end. */
export async function openNatsConsumer(
  nc: NatsConnection,
  js: JetStreamClient,
  manager: JetStreamManager,
  options: ConsumerOptions,
  subs: Array<{ unsubscribe(): void }>,
): Promise<BusConsumer> {
  const settings = consumerSettings(options);
  await untilElected(() => upsertConsumer(manager, settings));
  if (options.onExhausted) {
    const handler = options.onExhausted;
    // A fallback: ingest dead-letters a message itself on its next-to-last delivery (the
    // count is on the message), so this advisory only matters for a process that died then.
    // One queue group: when several ingest processes share the consumer, one handles each advisory.
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
    subs.push(sub);
  }
  return natsConsumer(js, settings, {
    // the shortest ack deadline of any delivery: refresh well within it
    keepAliveMs: Math.max(100, Math.floor(Math.min(settings.ackWaitMs, ...settings.backoffMs) / 3)),
    maxHoldMs: options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS,
    recreate: () => upsertConsumer(manager, settings),
  });
}

/**
 * A replicated stream or consumer just created (a cluster starting, ingest starting with it)
 * answers 503 "JetStream system temporarily unavailable" while its group elects a leader:
 * ingest waits that out, up to `limitMs`, instead of failing its start.
 */
async function untilElected<T>(op: () => Promise<T>, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (let pause = 100; ; pause = Math.min(pause * 2, 2000)) {
    try {
      return await op();
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.status !== 503 || Date.now() + pause > deadline) throw err;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

export async function upsertConsumer(manager: JetStreamManager, settings: ConsumerSettings): Promise<void> {
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
async function natsConsumer(
  js: JetStreamClient,
  settings: ConsumerSettings,
  options: { keepAliveMs: number; maxHoldMs: number; recreate: () => Promise<void> },
): Promise<BusConsumer> {
  const consumer = await untilElected(() => js.consumers.get(EVENTS_STREAM, settings.durable));
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

  // The consumer deleted under us (an operator, a lost cluster state): create it again. The
  // client keeps pulling and finds it; unacked messages come back from the stream.
  let recreating = false;
  void (async () => {
    for await (const s of messages.status()) {
      if ((s.type === 'consumer_deleted' || s.type === 'consumer_not_found') && open && !recreating) {
        recreating = true;
        await options.recreate().catch(() => undefined);
        recreating = false;
      }
    }
  })().catch(() => undefined);

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
    maxDeliver: settings.maxDeliver,
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
