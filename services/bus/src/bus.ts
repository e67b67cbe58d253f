import type { DeadLetterRecord, JourneyEvent, ValidationProblem } from '@journeys/contracts';
import type { DeadLetterStore, ReplayRecord } from './dead-letters/port.ts';

/**
 * The event bus: where departments' events go before the ingest service appends them to
 * the store. Two implementations share this interface and its semantics:
 *  - `nats`: NATS JetStream (`JOURNEY_EVENTS`, `JOURNEY_DLQ`, a durable pull consumer);
 *  - `in-process`: the same contract in memory, used when `NATS_URL` is absent.
 *
 * Delivery is at-least-once; the event `id` is the idempotency key end to end
 * (`Nats-Msg-Id` on the bus, the event id in the store), so retrying with the same id is
 * always safe.
 */
export interface EventBus {
  readonly kind: 'nats' | 'in-process';

  /**
   * Publishes events on `journey.events.<department slug>.<type>` with `Nats-Msg-Id` = id.
   * Resolves once every event has an outcome; `ok: true` means the bus durably accepted it
   * (JetStream ack). An event with `ok: false` may or may not have been taken (e.g. a lost
   * ack): publish it again with the same id; the duplicate window makes that harmless.
   * The events are not validated here (callers validate: see `publishValidated`).
   * Rejects with `BusUnavailableError` only when nothing could be attempted (bus closed).
   */
  publish(events: readonly JourneyEvent[], options?: PublishOptions): Promise<PublishResult[]>;

  /**
   * Publishes raw bytes on a subject: for tests and tools that need to put malformed or
   * foreign messages on the bus. Same outcome semantics as `publish`.
   */
  publishRaw(subject: string, payload: Uint8Array | string, options?: PublishOptions & { msgId?: string; headers?: Record<string, string> }): Promise<PublishResult>;

  /** Opens (or joins: several processes may share it) the durable ingest consumer. */
  consumer(options?: ConsumerOptions): Promise<BusConsumer>;

  /**
   * Where this bus keeps its dead letters, durably: `JOURNEY_DLQ` on NATS; on the
   * in-process bus the table the runtime gives it in the embedded store's file.
   */
  readonly deadLetterStore: DeadLetterStore;

  /**
   * Sends a rejected message to the dead-letter queue (`journey.dlq.<department slug>`):
   * `deadLetterStore.put`. Resolves once durably stored. `dedupeKey` makes a repeated
   * dead-lettering of the same message (after a crash) count once.
   */
  deadLetter(letter: DeadLetterInput, options?: { dedupeKey?: string }): Promise<void>;

  /** Reads dead letters, oldest first (tests and tools; pages: `deadLetterStore.list`). */
  deadLetters(options?: { limit?: number; department?: string }): Promise<DeadLetter[]>;

  /** Connected right now. The in-process bus is always connected until closed. */
  isConnected(): boolean;

  /**
   * What keeps the bus from working right now, for /readyz: disconnected, or a stream
   * (`JOURNEY_EVENTS`, `JOURNEY_DLQ`) missing. Empty when ready.
   */
  problems(): Promise<string[]>;

  /** Closed for good (by `close()` or its owner): retrying will not help. */
  isClosed(): boolean;

  /** A short human description for start-up logs, e.g. `NATS JetStream at nats://…`. */
  describe(): string;

  close(): Promise<void>;
}

export interface PublishOptions {
  /** Milliseconds to wait for each ack before the event is reported as not acked. Default 5 000. */
  timeoutMs?: number;
}

export type PublishErrorCode =
  /** The bus could not be reached (disconnected, no JetStream responders, ack timeout). */
  | 'unavailable'
  /** The server refused it (permissions violation, stream limits, message too large...). */
  | 'rejected';

/** The outcome of one event; results come in the order of the input. */
export interface PublishResult {
  id: string;
  /** true: durably accepted by the bus (now or earlier: see `duplicate`). */
  ok: boolean;
  /** true: the bus already had this id within the duplicate window; nothing new was stored. */
  duplicate: boolean;
  /** Stream sequence, when acked. */
  seq?: number;
  /** Set when `ok` is false. */
  error?: { code: PublishErrorCode; message: string };
}

/** Thrown when the bus cannot take anything at all (closed, or never connected). The HTTP ingress maps it to 503. */
export class BusUnavailableError extends Error {
  override name = 'BusUnavailableError';
}

/** Raised by the emitter when its bounded buffer is full: slow down and retry later. */
export class BusBackpressureError extends Error {
  override name = 'BusBackpressureError';
  constructor(readonly pending: number, readonly limit: number) {
    super(`the emitter buffer is full (${pending} of ${limit} events waiting for the bus): retry later`);
  }
}

export interface ConsumerOptions {
  /** Durable consumer name; default `journey-ingest`. */
  durable?: string;
  /** Deliveries before a message is given up and dead-lettered; default 20 (`DEFAULT_CONSUMER_SETTINGS`). */
  maxDeliver?: number;
  /**
   * How long a delivered message stays un-acked before redelivery; default 5 s. A live NATS
   * consumer sends in-progress acks for what it holds, so this is how soon the messages of a
   * process that died go to another one.
   */
  ackWaitMs?: number;
  /** Ack deadlines of the deliveries after the first (JetStream `backoff`); default 5 s, 10 s, 30 s, 60 s, 120 s, 300 s. */
  backoffMs?: number[];
  /** How long a live consumer keeps extending the deadline of a message it holds (a hung worker lets go); default 120 s. */
  maxHoldMs?: number;
  /**
   * Called with a message the bus gave up on after `maxDeliver` deliveries without an ack
   * (a worker that crashed on it every time, or an outage longer than the back-off).
   * The handler dead-letters it; it may be called in several processes for the same
   * message (use `deadLetter`'s dedupeKey).
   */
  onExhausted?: (message: ExhaustedMessage) => void | Promise<void>;
}

export interface BusConsumer {
  /** Deliveries the bus makes before giving a message up (ingest dead-letters it on the one before). */
  readonly maxDeliver: number;
  /** Waits up to `expiresMs` for up to `max` messages; resolves with what arrived (possibly none). */
  fetch(options: { max: number; expiresMs: number }): Promise<BusMessage[]>;
  close(): Promise<void>;
}

export interface BusMessage {
  subject: string;
  data: Uint8Array;
  headers: Record<string, string>;
  /** 1 on first delivery. */
  deliveryCount: number;
  /** Position in the events stream: stable across redeliveries. */
  streamSeq: number;
  /** Acknowledges: the message will not be delivered again. Resolves when the bus confirmed. */
  ack(): Promise<void>;
  /** Asks for redelivery after `delayMs` (default: at once). */
  nak(delayMs?: number): void;
  /** Extends the ack deadline while a slow store is working. */
  working(): void;
  /** Stops redelivery without processing (after it was dead-lettered). */
  term(): void;
}

export interface ExhaustedMessage {
  subject: string;
  data: Uint8Array;
  headers: Record<string, string>;
  streamSeq: number;
  deliveries: number;
}

/** What ingest sends to the DLQ. */
export interface DeadLetterInput {
  /** Short machine-readable reason: `invalid_json`, `invalid_event`, `department_mismatch`, … */
  reason: string;
  /** Human description. */
  detail?: string;
  problems?: ValidationProblem[];
  /** The subject the message arrived on. */
  subject: string;
  /** The original message body, as text (bytes decoded as UTF-8). */
  payload: string;
  /** The department slug the DLQ subject uses; `unknown` when it could not be read. */
  departmentSlug?: string;
  eventId?: string;
  /** Stream sequence of the original message, when it came from the events stream. */
  streamSeq?: number;
  deliveries?: number;
}

/** A stored dead letter (the JSON body of a `JOURNEY_DLQ` message, plus where it sits). */
export interface DeadLetter {
  reason: string;
  detail?: string;
  problems: ValidationProblem[];
  subject: string;
  /** The original message body as text; on NATS cut at 256 Ki characters. */
  payload: string;
  /** Set when `payload` was cut: the original length in characters. */
  payloadTruncatedFrom?: number;
  departmentSlug: string;
  eventId?: string;
  streamSeq?: number;
  deliveries?: number;
  /** ISO instant it was dead-lettered. */
  deadLetteredAt: string;
  /** The DLQ subject (`journey.dlq.<slug>`) and its sequence in `JOURNEY_DLQ` (or the in-memory list). */
  dlqSubject: string;
  dlqSeq: number;
  /** Set once `journey dlq replay` re-drove it: when, and how it ended. */
  replayed?: ReplayRecord;
  /** Set when it mentioned an erased customer: payload, detail and problem messages read `[erased]`. */
  erasedAt?: string;
}

/** Headers every bus message may carry. */
export const HEADER_MSG_ID = 'Nats-Msg-Id';
export const HEADER_DLQ_REASON = 'Journey-Dlq-Reason';
export const HEADER_DLQ_SUBJECT = 'Journey-Dlq-Original-Subject';

export const DEFAULT_CONSUMER = 'journey-ingest';

/** Limits of one HTTP ingress request (PRODUCT.md: one event or up to 1 000; at most 1 MB). */
export const MAX_BATCH_EVENTS = 1000;
export const MAX_BATCH_BYTES = 1_000_000;

// The stored shape is the contracts' DeadLetterSchema (what GET /api/dead-letters documents).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _deadLetterMatchesContract: Same<DeadLetter, DeadLetterRecord> = true;
void _deadLetterMatchesContract;
