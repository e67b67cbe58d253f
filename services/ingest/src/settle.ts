import type { Logger } from 'pino';
import type { BusMessage, DeadLetterInput, EventBus } from '@journeys/bus';
import type { IngestMetrics } from './metrics.ts';

export interface IngestCounters {
  /** Messages pulled (redeliveries count again). */
  received: number;
  /** Events newly written to the store. */
  appended: number;
  /** Events the store already had (retries, redeliveries, duplicates beyond the bus window). */
  duplicates: number;
  /** Messages sent to the DLQ (invalid, refused by the store, id clashes, exhausted deliveries). */
  deadLettered: number;
  /** Messages handed back for redelivery (store failure, DLQ unreachable). */
  naks: number;
  batches: number;
  storeFailures: number;
}

/** Sends a message's dead letter, then acks it; naks it when the DLQ cannot take it. Never throws. */
export type DeadLetterer = (msg: BusMessage, dl: { letter: DeadLetterInput; dedupeKey: string }) => Promise<void>;

/**
 * How a message leaves ingest's hands: acked (stored), nak'd (back for a retry, with a
 * back-off by delivery count) or dead-lettered then acked. Each settles a message once;
 * `settled` says which of a batch are still in hand after a failure.
 */
export function settler(deps: { bus: EventBus; log: Logger; metrics: IngestMetrics; counters: IngestCounters; retryDelay: (deliveryCount: number) => number }) {
  const { bus, log, metrics, counters } = deps;
  const done = new WeakSet<BusMessage>();

  const nak = (msgs: readonly BusMessage[]) => {
    let n = 0;
    for (const m of msgs) {
      if (done.has(m)) continue;
      done.add(m);
      m.nak(deps.retryDelay(m.deliveryCount));
      n++;
    }
    counters.naks += n;
    metrics.naks.inc(n);
  };

  // Acks are not awaited one by one: they go out in the same socket write as the batch's
  // others, while the next batch is already being read (the bus confirms them in order).
  const ack = (msgs: readonly BusMessage[]) => {
    for (const m of msgs) {
      if (done.has(m)) continue;
      done.add(m);
      void m.ack().catch((err: unknown) => log.warn({ err }, 'an ack was lost; the message will come back and count as a duplicate'));
    }
  };

  const deadLetter: DeadLetterer = async (msg, { letter, dedupeKey }) => {
    try {
      await bus.deadLetter(letter, { dedupeKey });
    } catch (err) {
      // the DLQ is not the store: hand back only this message, without pausing ingest
      log.error({ err, subject: msg.subject }, 'cannot reach the dead-letter queue; the message will come back');
      nak([msg]);
      return;
    }
    counters.deadLettered++;
    metrics.events.inc({ outcome: 'dead_lettered' });
    metrics.deadLetters.inc({ reason: letter.reason });
    log.warn({ reason: letter.reason, subject: letter.subject, eventId: letter.eventId, detail: letter.detail }, 'dead-lettered');
    ack([msg]);
  };

  return { ack, nak, deadLetter, settled: (m: BusMessage) => done.has(m) };
}
