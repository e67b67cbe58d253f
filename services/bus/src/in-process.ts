import type { JourneyEvent } from '@journeys/contracts';
import { memoryDeadLetters } from './dead-letters/memory.ts';
import type { DeadLetterStore } from './dead-letters/port.ts';
import {
  BusUnavailableError,
  HEADER_MSG_ID,
  type BusConsumer,
  type BusMessage,
  type ConsumerOptions,
  type DeadLetterInput,
  type EventBus,
  type PublishOptions,
  type PublishResult,
} from './bus.ts';
import { encodeEvent, toBytes } from './codec.ts';
import { consumerSettings, DUPLICATE_WINDOW_MS, type ConsumerSettings } from './streams.ts';

export interface InProcessBusOptions {
  /** How long an id is remembered for duplicate detection; default 2 minutes (as JetStream). */
  duplicateWindowMs?: number;
  /** Messages waiting for ingest before publishing is refused (back-pressure); default 100 000. */
  maxPending?: number;
  /**
   * Where dead letters go: `journey serve` passes the table in the embedded store's file
   * (`openSqliteDeadLetters`); default in memory, for unit tests. Closed with the bus.
   */
  deadLetters?: DeadLetterStore;
}

interface Entry {
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: Record<string, string>;
  deliveries: number;
  /** When it may be delivered (again). */
  availableAt: number;
  /** Set while delivered and un-acked: the ack deadline. */
  inFlightUntil?: number;
  /** Bumped at each delivery so a stale handle cannot ack a newer delivery. */
  token: number;
}

export interface InProcessBus extends EventBus {
  readonly kind: 'in-process';
  /** Messages published and not yet acked. */
  pending(): number;
}

/**
 * The bus without NATS: one process, the same contract. Published events wait in memory
 * until the ingest consumer acks them; deliveries, ack deadlines, naks with delay,
 * `maxDeliver` and dead letters behave as on JetStream. Nothing survives a restart: the
 * caller says so at start-up (the store is the durable part).
 */
export function createInProcessBus(options: InProcessBusOptions = {}): InProcessBus {
  const windowMs = options.duplicateWindowMs ?? DUPLICATE_WINDOW_MS;
  const maxPending = options.maxPending ?? 100_000;
  const deadLetterStore = options.deadLetters ?? memoryDeadLetters();

  const queue = new Map<number, Entry>(); // insertion order = stream order
  const seenIds = new Map<string, { seq: number; at: number }>();
  let seq = 0;
  let closed = false;
  let waiters: Array<() => void> = [];
  let settings: ConsumerSettings & Pick<ConsumerOptions, 'onExhausted'> = consumerSettings();

  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  const forgetOldIds = (now: number) => {
    for (const [id, v] of seenIds) {
      if (now - v.at <= windowMs) break; // Map keeps insertion order: oldest first
      seenIds.delete(id);
    }
  };

  const put = (subject: string, data: Uint8Array, msgId: string | undefined, headers: Record<string, string>): PublishResult => {
    const id = msgId ?? '';
    const now = Date.now();
    forgetOldIds(now);
    if (msgId !== undefined) {
      const seen = seenIds.get(msgId);
      if (seen) return { id, ok: true, duplicate: true, seq: seen.seq };
    }
    if (queue.size >= maxPending) {
      return { id, ok: false, duplicate: false, error: { code: 'unavailable', message: `the in-process bus holds ${queue.size} unprocessed events (limit ${maxPending}): retry later` } };
    }
    const s = ++seq;
    queue.set(s, { seq: s, subject, data, headers: msgId !== undefined ? { ...headers, [HEADER_MSG_ID]: msgId } : headers, deliveries: 0, availableAt: now, token: 0 });
    if (msgId !== undefined) seenIds.set(msgId, { seq: s, at: now });
    wake();
    return { id, ok: true, duplicate: false, seq: s };
  };

  const exhaust = (entry: Entry) => {
    queue.delete(entry.seq);
    const handler = settings.onExhausted;
    if (handler) {
      void Promise.resolve(
        handler({ subject: entry.subject, data: entry.data, headers: entry.headers, streamSeq: entry.seq, deliveries: entry.deliveries }),
      ).catch(() => {
        // The handler could not dead-letter it: keep the message rather than lose it.
        queue.set(entry.seq, { ...entry, inFlightUntil: undefined, availableAt: Date.now() + 1000 });
      });
    } else {
      void bus.deadLetter(
        { reason: 'max_deliveries', detail: `not acked after ${entry.deliveries} deliveries`, subject: entry.subject, payload: new TextDecoder().decode(entry.data), streamSeq: entry.seq, deliveries: entry.deliveries },
        { dedupeKey: `exhausted-${entry.seq}` },
      );
    }
  };

  /** Messages deliverable now, expiring overdue in-flight ones on the way. */
  const takeAvailable = (max: number, now: number): Entry[] => {
    const out: Entry[] = [];
    // deleting the current entry while iterating a Map is safe; no copy of a long queue
    for (const entry of queue.values()) {
      if (out.length >= max) break;
      if (entry.inFlightUntil !== undefined) {
        if (entry.inFlightUntil > now) continue;
        entry.inFlightUntil = undefined; // ack deadline passed: due for redelivery
      }
      if (entry.availableAt > now) continue;
      if (entry.deliveries >= settings.maxDeliver) {
        exhaust(entry);
        continue;
      }
      out.push(entry);
    }
    return out;
  };

  /** As JetStream: with a back-off list, delivery n waits backoff[n-1] (the last one repeats) for its ack. */
  const ackWaitFor = (delivery: number): number =>
    settings.backoffMs.length > 0 ? settings.backoffMs[Math.min(delivery - 1, settings.backoffMs.length - 1)]! : settings.ackWaitMs;

  const nextWakeAt = (): number => {
    let next = Infinity;
    for (const e of queue.values()) next = Math.min(next, e.inFlightUntil ?? e.availableAt);
    return next;
  };

  const deliver = (entry: Entry, now: number): BusMessage => {
    entry.deliveries++;
    entry.token++;
    entry.inFlightUntil = now + ackWaitFor(entry.deliveries);
    const token = entry.token;
    const current = () => {
      const e = queue.get(entry.seq);
      return e && e.token === token && e.inFlightUntil !== undefined ? e : undefined;
    };
    return {
      subject: entry.subject,
      data: entry.data,
      headers: { ...entry.headers },
      deliveryCount: entry.deliveries,
      streamSeq: entry.seq,
      ack() {
        if (current()) queue.delete(entry.seq);
        return Promise.resolve();
      },
      nak(delayMs = 0) {
        const e = current();
        if (!e) return;
        e.inFlightUntil = undefined;
        e.availableAt = Date.now() + delayMs;
        wake();
      },
      working() {
        const e = current();
        if (e) e.inFlightUntil = Date.now() + ackWaitFor(e.deliveries);
      },
      term() {
        if (current()) queue.delete(entry.seq);
      },
    };
  };

  const bus: InProcessBus = {
    kind: 'in-process',

    publish(events: readonly JourneyEvent[], _options?: PublishOptions): Promise<PublishResult[]> {
      if (closed) return Promise.reject(new BusUnavailableError('the in-process bus is closed'));
      return Promise.resolve(
        events.map((event) => {
          const { subject, msgId, data } = encodeEvent(event);
          return { ...put(subject, data, msgId, {}), id: event.id };
        }),
      );
    },

    publishRaw(subject, payload, options = {}) {
      if (closed) return Promise.reject(new BusUnavailableError('the in-process bus is closed'));
      if (!subject.startsWith('journey.events.')) {
        return Promise.resolve({ id: options.msgId ?? '', ok: false, duplicate: false, error: { code: 'rejected' as const, message: `no stream takes subject ${subject}` } });
      }
      return Promise.resolve(put(subject, toBytes(payload), options.msgId, options.headers ?? {}));
    },

    consumer(options: ConsumerOptions = {}): Promise<BusConsumer> {
      if (closed) return Promise.reject(new BusUnavailableError('the in-process bus is closed'));
      settings = { ...consumerSettings(options), onExhausted: options.onExhausted };
      let open = true;
      return Promise.resolve({
        maxDeliver: settings.maxDeliver,
        async fetch({ max, expiresMs }) {
          const deadline = Date.now() + expiresMs;
          for (;;) {
            if (!open || closed) return [];
            const now = Date.now();
            const ready = takeAvailable(max, now);
            if (ready.length > 0) return ready.map((e) => deliver(e, now));
            if (now >= deadline) return [];
            const until = Math.min(deadline, nextWakeAt());
            await new Promise<void>((resolve) => {
              const timer = setTimeout(done, Math.max(1, until - now));
              function done() {
                clearTimeout(timer);
                resolve();
              }
              waiters.push(done);
            });
          }
        },
        close() {
          open = false;
          wake();
          return Promise.resolve();
        },
      });
    },

    deadLetterStore,

    deadLetter(letter: DeadLetterInput, options = {}) {
      if (closed) return Promise.reject(new BusUnavailableError('the in-process bus is closed'));
      return deadLetterStore.put(letter, options);
    },

    async deadLetters(options = {}) {
      return (await deadLetterStore.list({ limit: options.limit ?? 1_000_000, ...(options.department !== undefined ? { department: options.department } : {}) })).letters;
    },

    isConnected: () => !closed,
    isClosed: () => closed,
    problems: async () => (closed ? ['the bus is not connected (closed)'] : deadLetterStore.problems()),
    describe: () => 'in-process bus (NATS_URL is not set: events are not durable until ingested into the store)',
    pending: () => queue.size,

    async close() {
      closed = true;
      wake();
      await deadLetterStore.close();
    },
  };
  return bus;
}
