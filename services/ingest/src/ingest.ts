import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { journeyStreamName, parseEventSubject, type JourneyEvent } from '@journeys/contracts';
import { toText, type BusConsumer, type BusMessage, type ConsumerOptions, type DeadLetterInput, type EventBus, type ExhaustedMessage } from '@journeys/bus';
import { EventStoreError, StoreUnavailableError, WrongExpectedRevisionError, type AppendResult, type EventStore, type StreamBatch } from '@journeys/event-store';
import { classifyMessage } from './classify.ts';
import { ingestMetrics } from './metrics.ts';

export interface IngestOptions {
  bus: EventBus;
  store: EventStore;
  logger?: Logger;
  /** The registry the API's /metrics exposes; a private one when absent. */
  metrics?: Registry;
  /** Messages per pulled batch; default 500. */
  batchSize?: number;
  /** How long one pull waits for messages; default 1 000 ms. */
  fetchWaitMs?: number;
  /**
   * Under load (a pull brought at least `lingerFrom` messages), wait up to this long for
   * more before processing, up to `batchSize`. Larger batches put more events of one journey
   * into one append (one store transaction): throughput under load, while a quiet bus keeps
   * its latency. Off by default (0 ms): a backlog already fills batches (a pull takes what
   * is buffered), so lingering mostly adds latency; useful for stores with costly commits.
   */
  lingerMs?: number;
  lingerFrom?: number;
  /** Journey streams appended at the same time within a batch; default 16 on EventStoreDB, 1 on SQLite (synchronous: lanes only add overhead). */
  appendConcurrency?: number;
  /** Durable consumer settings (ack wait, max deliveries, back-off). */
  consumer?: Omit<ConsumerOptions, 'onExhausted'>;
  /** Delay before a nak'd message comes back, by delivery count; default 0.5 s doubling to 30 s. */
  retryDelayMs?: (deliveryCount: number) => number;
  /** Clock, for the occurredAt plausibility rule. */
  now?: () => number;
}

export interface IngestCounters {
  /** Messages pulled (redeliveries count again). */
  received: number;
  /** Events newly written to the store. */
  appended: number;
  /** Events the store already had (retries, redeliveries, duplicates beyond the bus window). */
  duplicates: number;
  /** Messages sent to the DLQ (invalid, refused by the store, exhausted deliveries). */
  deadLettered: number;
  /** Messages handed back for redelivery (store failure, DLQ unreachable). */
  naks: number;
  batches: number;
  storeFailures: number;
}

export interface IngestHandle {
  /** A snapshot of the counters since start. */
  readonly counters: IngestCounters;
  /** Resolves when the loop has ended (after stop(), or an unexpected error, which is logged). */
  readonly done: Promise<void>;
  /** Finishes the batch in hand, hands back what is buffered, stops. Leaves bus and store open. */
  stop(): Promise<void>;
}

interface Item {
  msg: BusMessage;
  event: JourneyEvent;
}

/**
 * Bus → store. Pulls batches from the durable consumer (several processes may share it),
 * dead-letters what cannot be stored, groups the rest per journey stream and appends them
 * with the event ids (idempotent), and acks only after the store committed. The whole batch
 * goes to `appendMany` (one transaction on SQLite, streams in parallel on EventStoreDB);
 * should the store refuse it (an id conflict or an event it finds invalid in one stream),
 * the batch is appended again stream by stream (what was stored comes back as duplicates),
 * so only the culprits are dead-lettered. A failing store gets the messages back with a back-off
 * (nak) and pauses the pulling until it answers again: nothing is lost, nothing is written twice.
 */
export async function startIngest(options: IngestOptions): Promise<IngestHandle> {
  const { bus, store } = options;
  const log = options.logger ?? pino({ name: 'ingest', level: process.env.LOG_LEVEL ?? 'info' });
  const metrics = ingestMetrics(options.metrics);
  const batchSize = options.batchSize ?? 500;
  const fetchWaitMs = options.fetchWaitMs ?? 1000;
  const lingerMs = options.lingerMs ?? 0;
  const lingerFrom = options.lingerFrom ?? 100;
  // Only the stream-by-stream fallback after a refusal uses lanes; appendMany parallelises by itself where the store can.
  const appendConcurrency = Math.max(1, options.appendConcurrency ?? 4);
  const retryDelay = options.retryDelayMs ?? ((n: number) => Math.min(30_000, 500 * 2 ** Math.max(0, n - 1)));
  const now = options.now ?? Date.now;
  const counters: IngestCounters = { received: 0, appended: 0, duplicates: 0, deadLettered: 0, naks: 0, batches: 0, storeFailures: 0 };
  metrics.storeUp.set(1);

  const deadLetter = async (letter: DeadLetterInput, dedupeKey: string): Promise<void> => {
    await bus.deadLetter(letter, { dedupeKey });
    counters.deadLettered++;
    metrics.events.inc({ outcome: 'dead_lettered' });
    metrics.deadLetters.inc({ reason: letter.reason });
    log.warn({ reason: letter.reason, subject: letter.subject, eventId: letter.eventId, detail: letter.detail }, 'dead-lettered');
  };

  const onExhausted = async (m: ExhaustedMessage) => {
    const eventId = idOf(toText(m.data));
    await deadLetter(
      {
        reason: 'max_deliveries',
        detail: `not acknowledged after ${m.deliveries} deliveries`,
        subject: m.subject,
        payload: toText(m.data),
        departmentSlug: parseEventSubject(m.subject)?.departmentSlug ?? 'unknown',
        ...(eventId !== undefined ? { eventId } : {}),
        streamSeq: m.streamSeq,
        deliveries: m.deliveries,
      },
      `dlq-${m.streamSeq}`,
    );
  };

  const consumer: BusConsumer = await bus.consumer({ ...options.consumer, onExhausted });
  let running = true;
  let storeDown = false;

  const nak = (msgs: BusMessage[]) => {
    for (const m of msgs) m.nak(retryDelay(m.deliveryCount));
    counters.naks += msgs.length;
    metrics.naks.inc(msgs.length);
  };

  const committed = async (results: readonly AppendResult[], items: readonly Item[]) => {
    let written = 0;
    let duplicates = 0;
    for (const result of results) {
      written += result.events.length;
      for (const e of result.events) if (e.duplicate) duplicates++;
    }
    counters.duplicates += duplicates;
    counters.appended += written - duplicates;
    if (duplicates > 0) metrics.events.inc({ outcome: 'duplicate' }, duplicates);
    if (written > duplicates) metrics.events.inc({ outcome: 'appended' }, written - duplicates);
    await Promise.all(items.map((i) => i.msg.ack()));
  };

  /**
   * The whole batch in one store transaction. false: the store refused it (an id conflict
   * or invalid event somewhere); nothing was written and the caller goes stream by stream.
   * Throws when the store failed (unavailable).
   */
  const appendBatch = async (groups: ReadonlyMap<string, Item[]>): Promise<boolean> => {
    const batches: StreamBatch[] = [];
    const items: Item[] = [];
    for (const [stream, group] of groups) {
      batches.push({ stream, events: group.map((i) => i.event) });
      for (const item of group) items.push(item);
    }
    let results: AppendResult[];
    try {
      results = await store.appendMany(batches);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      log.info({ err: (err as Error).message, streams: batches.length }, 'the store refused a batch; appending it stream by stream');
      return false;
    }
    await committed(results, items);
    return true;
  };

  /** Appends one stream's events; on a refusal of the whole group, finds the culprits one by one. */
  const appendGroup = async (stream: string, items: Item[]): Promise<void> => {
    try {
      const result = await store.append(
        stream,
        items.map((i) => i.event),
      );
      await committed([result], items);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      if (items.length > 1) {
        for (const item of items) await appendGroup(stream, [item]);
        return;
      }
      const item = items[0]!;
      // the store answered (it refused this event): a DLQ failure is not a store outage, so
      // only this message is handed back, as for an invalid message
      try {
        await deadLetter(
          {
            reason: 'store_rejected',
            detail: (err as Error).message,
            problems: [{ path: '', message: (err as Error).message, code: (err as Error).name }],
            subject: item.msg.subject,
            payload: toText(item.msg.data),
            departmentSlug: parseEventSubject(item.msg.subject)?.departmentSlug ?? 'unknown',
            eventId: item.event.id,
            streamSeq: item.msg.streamSeq,
            deliveries: item.msg.deliveryCount,
          },
          `dlq-${item.msg.streamSeq}`,
        );
      } catch (dlqErr) {
        log.error({ err: dlqErr, subject: item.msg.subject }, 'cannot reach the dead-letter queue; the message will come back');
        nak([item.msg]);
        return;
      }
      await item.msg.ack();
    }
  };

  const processBatch = async (msgs: BusMessage[]) => {
    const started = performance.now();
    counters.received += msgs.length;
    counters.batches++;
    metrics.lastBatchSize.set(msgs.length);
    const t = now();
    const groups = new Map<string, Item[]>();
    for (const msg of msgs) {
      const c = classifyMessage(msg, t);
      if (!c.ok) {
        try {
          await deadLetter(c.letter, `dlq-${msg.streamSeq}`);
          await msg.ack();
        } catch (err) {
          log.error({ err, subject: msg.subject }, 'cannot reach the dead-letter queue; the message will come back');
          nak([msg]);
        }
        continue;
      }
      const stream = journeyStreamName(c.event.journeyId);
      let group = groups.get(stream);
      if (!group) groups.set(stream, (group = []));
      group.push({ msg, event: c.event });
    }
    if (groups.size === 0) {
      metrics.batchSeconds.observe((performance.now() - started) / 1000);
      return;
    }
    if (!storeDown) {
      try {
        const done = await appendBatch(groups);
        if (done) {
          metrics.batchSeconds.observe((performance.now() - started) / 1000);
          return;
        }
      } catch (err) {
        counters.storeFailures++;
        log.error({ err, streams: groups.size }, 'the store failed a batch append; handing the batch back and pausing');
        storeDown = true;
        metrics.storeUp.set(0);
        nak([...groups.values()].flatMap((items) => items.map((i) => i.msg)));
        metrics.batchSeconds.observe((performance.now() - started) / 1000);
        return;
      }
    }
    // Streams are independent: a networked store (EventStoreDB) appends several at once.
    const queue = [...groups];
    const lane = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [stream, items] = next;
        if (storeDown) {
          nak(items.map((i) => i.msg));
          continue;
        }
        try {
          await appendGroup(stream, items);
        } catch (err) {
          counters.storeFailures++;
          if (!storeDown) log.error({ err, stream }, 'the store failed an append; handing the batch back and pausing');
          storeDown = true;
          metrics.storeUp.set(0);
          nak(items.map((i) => i.msg));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(appendConcurrency, queue.length) }, lane));
    metrics.batchSeconds.observe((performance.now() - started) / 1000);
  };

  /** Waits until the store answers again, with a growing pause; nothing is pulled meanwhile. */
  const waitForStore = async () => {
    let pause = 250;
    while (running) {
      await sleep(pause);
      const ok = await store.ping().catch(() => false);
      if (ok) break;
      pause = Math.min(pause * 2, 5000);
    }
    storeDown = false;
    metrics.storeUp.set(1);
    log.info('the store answers again; resuming');
  };

  const loop = async () => {
    while (running) {
      let msgs: BusMessage[];
      try {
        msgs = await consumer.fetch({ max: batchSize, expiresMs: fetchWaitMs });
      } catch (err) {
        log.warn({ err }, 'pulling from the bus failed; retrying');
        await sleep(500);
        continue;
      }
      if (msgs.length === 0) continue;
      const lingerUntil = lingerMs > 0 && msgs.length >= lingerFrom ? Date.now() + lingerMs : 0;
      while (running && msgs.length < batchSize && Date.now() < lingerUntil) {
        const more = await consumer.fetch({ max: batchSize - msgs.length, expiresMs: Math.max(1, lingerUntil - Date.now()) }).catch(() => []);
        if (more.length === 0) break;
        msgs.push(...more);
      }
      if (!running) {
        nak(msgs);
        break;
      }
      await processBatch(msgs);
      if (storeDown) await waitForStore();
    }
  };

  const done = loop().catch((err: unknown) => {
    running = false;
    log.error({ err }, 'ingest stopped on an unexpected error');
  });
  log.info({ bus: bus.describe(), store: store.describe() }, 'ingest started');

  return {
    get counters() {
      return { ...counters };
    },
    done,
    async stop() {
      running = false;
      await consumer.close();
      await done;
      log.info(counters, 'ingest stopped');
    },
  };
}

function idOf(payload: string): string | undefined {
  try {
    const v = JSON.parse(payload) as { id?: unknown };
    return typeof v?.id === 'string' ? v.id : undefined;
  } catch {
    return undefined;
  }
}

/** The store refused these events (they will never fit), as opposed to failing to store them. */
function isRefusal(err: unknown): boolean {
  return err instanceof EventStoreError && !(err instanceof StoreUnavailableError) && !(err instanceof WrongExpectedRevisionError);
}
