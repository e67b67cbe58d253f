import { DLQ_STREAM, DLQ_SUBJECTS, EVENTS_STREAM, EVENTS_SUBJECTS, MAX_EVENT_BYTES } from '@journeys/contracts';
import { DEFAULT_CONSUMER, type ConsumerOptions } from './bus.ts';

/** JetStream forgets a `Nats-Msg-Id` after this; retries within it are harmless. */
export const DUPLICATE_WINDOW_MS = 2 * 60_000;

export interface StreamLimits {
  /** Replicas: 1 on one server, 3 on the production cluster. */
  replicas?: number;
  /** Oldest events are removed after this (they are in the store long before); default 7 days. */
  eventsMaxAgeMs?: number;
  /** Default 8 GiB. Publishing beyond it is refused (discard: new) rather than losing unread events. */
  eventsMaxBytes?: number;
  /** Dead letters are kept this long for operators; default 90 days. */
  dlqMaxAgeMs?: number;
  /** Default 1 GiB. */
  dlqMaxBytes?: number;
  duplicateWindowMs?: number;
}

const DAY = 24 * 3600_000;

export function streamSettings(limits: StreamLimits = {}) {
  const duplicateWindowMs = limits.duplicateWindowMs ?? DUPLICATE_WINDOW_MS;
  return {
    events: {
      name: EVENTS_STREAM,
      subjects: [EVENTS_SUBJECTS],
      maxAgeMs: limits.eventsMaxAgeMs ?? 7 * DAY,
      maxBytes: limits.eventsMaxBytes ?? 8 * 1024 ** 3,
      // the envelope limit plus room for JSON escaping and headers
      maxMsgSize: MAX_EVENT_BYTES * 2,
      duplicateWindowMs,
      replicas: limits.replicas ?? 1,
    },
    dlq: {
      name: DLQ_STREAM,
      subjects: [DLQ_SUBJECTS],
      maxAgeMs: limits.dlqMaxAgeMs ?? 90 * DAY,
      maxBytes: limits.dlqMaxBytes ?? 1024 ** 3,
      // a dead letter carries the original payload (at most 256 Ki characters) plus its reasons;
      // within the server's default max_payload (1 MB)
      maxMsgSize: 1024 * 1024,
      duplicateWindowMs,
      replicas: limits.replicas ?? 1,
    },
  };
}

/**
 * Consumer defaults. JetStream uses `backoff[n-1]` as the ack deadline of delivery n (the
 * first entry replaces ack_wait), so the list starts at ack_wait; `maxDeliver` must exceed
 * its length. Ingest naks store failures with its own delays and pauses while the store is
 * down, so an outage does not burn deliveries quickly.
 */
export const DEFAULT_CONSUMER_SETTINGS: ConsumerSettings = {
  durable: DEFAULT_CONSUMER,
  maxDeliver: 20,
  // short: a live consumer keeps what it holds alive with in-progress acks (see natsConsumer),
  // so this only bounds how long a dead process's messages wait before another one gets them
  ackWaitMs: 5_000,
  backoffMs: [5_000, 10_000, 30_000, 60_000, 120_000, 300_000],
};

export type ConsumerSettings = Required<Omit<ConsumerOptions, 'onExhausted' | 'maxHoldMs'>>;

export function consumerSettings(options: ConsumerOptions = {}): ConsumerSettings {
  const ackWaitMs = options.ackWaitMs ?? DEFAULT_CONSUMER_SETTINGS.ackWaitMs;
  const maxDeliver = options.maxDeliver ?? DEFAULT_CONSUMER_SETTINGS.maxDeliver;
  let backoffMs = options.backoffMs ?? (options.ackWaitMs !== undefined ? [ackWaitMs, ackWaitMs * 2, ackWaitMs * 4, ackWaitMs * 10] : DEFAULT_CONSUMER_SETTINGS.backoffMs);
  if (backoffMs.length > 0 && backoffMs[0] !== ackWaitMs) backoffMs = [ackWaitMs, ...backoffMs];
  // the server refuses max_deliver <= len(backoff)
  if (maxDeliver > 0 && backoffMs.length >= maxDeliver) backoffMs = backoffMs.slice(0, Math.max(0, maxDeliver - 1));
  return { durable: options.durable ?? DEFAULT_CONSUMER, maxDeliver, ackWaitMs, backoffMs };
}
