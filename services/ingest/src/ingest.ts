import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { BusConsumer, BusMessage, ConsumerOptions, EventBus, ExhaustedMessage } from '@journeys/bus';
import type { EventStore } from '@journeys/event-store';
import { appender, PartialAppendError, type AppendOutcome, type Item } from './append.ts';
import { classifyMessage } from './classify.ts';
import { deadLetterOf } from './letters.ts';
import { ingestMetrics } from './metrics.ts';
import { settler, type IngestCounters } from './settle.ts';

export type { IngestCounters } from './settle.ts';

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
   * more before processing, up to `batchSize`. Off by default (0 ms): a backlog already
   * fills batches, so lingering mostly adds latency; useful for stores with costly commits.
   */
  lingerMs?: number;
  lingerFrom?: number;
  /** Journey streams appended at the same time when a batch goes stream by stream; default 8. */
  appendConcurrency?: number;
  /** Durable consumer settings (ack wait, max deliveries, back-off). */
  consumer?: Omit<ConsumerOptions, 'onExhausted'>;
  /** Delay before a nak'd message comes back, by delivery count; default 0.5 s doubling to 30 s. */
  retryDelayMs?: (deliveryCount: number) => number;
  /** Clock, for the occurredAt plausibility rule. */
  now?: () => number;
}

export interface IngestHandle {
  /** A snapshot of the counters since start. */
  readonly counters: IngestCounters;
  /** Resolves when the loop has ended (after stop(), or an unexpected error, which is logged). */
  readonly done: Promise<void>;
  /** Finishes the batch in hand, hands back what is buffered, stops. Leaves bus and store open. */
  stop(): Promise<void>;
}

/**
 * Bus → store, in named steps per pulled batch:
 *  1. `pull`: a batch from the durable consumer (several processes may share it);
 *  2. `sort`: a message on its next-to-last delivery is dead-lettered as it is (it could
 *     otherwise age out unseen if this process died on it); each other one is validated
 *     once (classifyMessage) and the invalid ones are dead-lettered with their reasons;
 *  3. `store`: the valid ones appended with their ids (idempotent; see append.ts);
 *  4. `settle`: acks for what the store holds, sent together without waiting; a failing
 *     store gets everything back with a back-off (nak) and pulling pauses until it answers
 *     again. Nothing is lost, nothing is written twice.
 */
export async function startIngest(options: IngestOptions): Promise<IngestHandle> {
  const { bus, store } = options;
  const log = options.logger ?? pino({ name: 'ingest', level: process.env.LOG_LEVEL ?? 'info' });
  const metrics = ingestMetrics(options.metrics);
  const batchSize = options.batchSize ?? 500;
  const fetchWaitMs = options.fetchWaitMs ?? 1000;
  const lingerMs = options.lingerMs ?? 0;
  const lingerFrom = options.lingerFrom ?? 100;
  const now = options.now ?? Date.now;
  const counters: IngestCounters = { received: 0, appended: 0, duplicates: 0, deadLettered: 0, naks: 0, batches: 0, storeFailures: 0 };
  const settle = settler({ bus, log, metrics, counters, retryDelay: options.retryDelayMs ?? ((n: number) => Math.min(30_000, 500 * 2 ** Math.max(0, n - 1))) });
  const append = appender(store, settle.deadLetter, {
    concurrency: Math.max(1, options.appendConcurrency ?? 8),
    onRefusedBatch: (err) => log.info({ err: err.message }, 'the store refused a batch; appending it stream by stream'),
  });
  metrics.storeUp.set(1);

  // A fallback for a message that ran out of deliveries while no ingest held it to the end.
  const onExhausted = async (m: ExhaustedMessage) => {
    const source = { subject: m.subject, data: m.data, streamSeq: m.streamSeq, deliveryCount: m.deliveries };
    const { letter, dedupeKey } = deadLetterOf(source, 'max_deliveries', [{ path: '', message: `not acknowledged after ${m.deliveries} deliveries`, code: 'max_deliveries' }]);
    await bus.deadLetter(letter, { dedupeKey });
    counters.deadLettered++;
    metrics.deadLetters.inc({ reason: letter.reason });
  };
  const consumer: BusConsumer = await bus.consumer({ ...options.consumer, onExhausted });
  /** Deliveries from which a message is dead-lettered without processing: one before the bus gives up, so a crash while doing it still leaves a delivery. */
  const lastTry = consumer.maxDeliver <= 0 ? Infinity : consumer.maxDeliver <= 2 ? consumer.maxDeliver : consumer.maxDeliver - 1;
  let running = true;
  let storeDown = false;

  const pull = async (): Promise<BusMessage[]> => {
    const msgs = await consumer.fetch({ max: batchSize, expiresMs: fetchWaitMs });
    const lingerUntil = lingerMs > 0 && msgs.length >= lingerFrom ? Date.now() + lingerMs : 0;
    while (running && msgs.length > 0 && msgs.length < batchSize && Date.now() < lingerUntil) {
      const more = await consumer.fetch({ max: batchSize - msgs.length, expiresMs: Math.max(1, lingerUntil - Date.now()) }).catch(() => []);
      if (more.length === 0) break;
      msgs.push(...more);
    }
    return msgs;
  };

  const sort = async (msgs: readonly BusMessage[]): Promise<Item[]> => {
    const t = now();
    const valid: Item[] = [];
    for (const msg of msgs) {
      if (msg.deliveryCount >= lastTry) {
        await settle.deadLetter(
          msg,
          deadLetterOf(msg, 'max_deliveries', [{ path: '', message: `delivered ${msg.deliveryCount} times without being stored (the bus gives up after ${consumer.maxDeliver}); re-drive with journey dlq replay`, code: 'max_deliveries' }]),
        );
        continue;
      }
      const c = classifyMessage(msg, t);
      if (c.ok) valid.push({ msg, event: c.event });
      else await settle.deadLetter(msg, c);
    }
    return valid;
  };

  const storeItems = async (items: readonly Item[]): Promise<void> => {
    let outcome: AppendOutcome;
    try {
      outcome = await append(items);
    } catch (err) {
      counters.storeFailures++;
      storeDown = true;
      metrics.storeUp.set(0);
      log.error({ err: err instanceof PartialAppendError ? err.cause : err, events: items.length }, 'the store failed an append; handing the batch back and pausing');
      if (err instanceof PartialAppendError) record(err.done);
      settle.nak(items.filter((i) => !settle.settled(i.msg)).map((i) => i.msg));
      return;
    }
    record(outcome);
  };

  const record = (outcome: AppendOutcome) => {
    const fresh = outcome.stored.length - outcome.duplicates;
    counters.duplicates += outcome.duplicates;
    counters.appended += fresh;
    if (outcome.duplicates > 0) metrics.events.inc({ outcome: 'duplicate' }, outcome.duplicates);
    if (fresh > 0) metrics.events.inc({ outcome: 'appended' }, fresh);
    settle.ack(outcome.stored.map((i) => i.msg));
  };

  const processBatch = async (msgs: BusMessage[]) => {
    const started = performance.now();
    counters.received += msgs.length;
    counters.batches++;
    metrics.lastBatchSize.set(msgs.length);
    const items = await sort(msgs);
    if (items.length > 0) await storeItems(items);
    metrics.batchSeconds.observe((performance.now() - started) / 1000);
  };

  /** Waits until the store answers again, with a growing pause; nothing is pulled meanwhile. */
  const waitForStore = async () => {
    let pause = 250;
    while (running) {
      await sleep(pause);
      if (await store.ping().catch(() => false)) break;
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
        msgs = await pull();
      } catch (err) {
        log.warn({ err }, 'pulling from the bus failed; retrying');
        await sleep(500);
        continue;
      }
      if (msgs.length === 0) continue;
      if (!running) {
        settle.nak(msgs);
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
  log.info({ bus: bus.describe() }, 'ingest started');

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
