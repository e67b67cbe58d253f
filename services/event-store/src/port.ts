import type { ChainVerification, JourneyEvent, StoredEvent } from '@journeys/contracts';

/**
 * The event-store port, small in the manner of Emmett and Castore: every adapter
 * (embedded SQLite, EventStoreDB) implements exactly this and passes one contract suite.
 *
 * Positions and revisions are JS numbers: SQLite positions are row ids, EventStoreDB's
 * are log byte offsets (commit = prepare for events written since v20), both far below 2^53.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'exists' | number;

export interface AppendOptions {
  /** Optimistic concurrency check on the stream's last revision; default `any`. */
  expectedRevision?: ExpectedRevision;
}

/** One stream's part of an `appendMany`. */
export interface StreamBatch {
  stream: string;
  events: readonly JourneyEvent[];
  /** As in `append`; checked against the stream as it stands after the earlier batches of the same call. */
  expectedRevision?: ExpectedRevision;
}

export interface AppendedEvent {
  id: string;
  revision: number;
  position: number;
  /** true when the id was already in the stream: nothing was written, the original place is returned. */
  duplicate: boolean;
}

export interface AppendResult {
  /** The stream's last revision after the append (what to pass as `expectedRevision` next). */
  nextExpectedRevision: number;
  /** Global position of the last event of the batch. */
  position: number;
  events: AppendedEvent[];
}

export interface ReadStreamOptions {
  /** Revision to start at (inclusive); default: the first (forwards) or last (backwards). */
  fromRevision?: number;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface EventFilter {
  /** Only streams whose name starts with this (e.g. `journey-`). */
  streamPrefix?: string;
  /** Only these event types. */
  types?: readonly string[];
  /** Audit filters; EventStoreDB applies them client-side. */
  journeyId?: string;
  department?: string;
  /** occurredAt bounds, ISO-8601 (inclusive from, exclusive to). */
  occurredFrom?: string;
  occurredTo?: string;
}

export interface ReadAllOptions {
  /** Global position to start after (exclusive); default: the very beginning. */
  after?: number;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
  filter?: EventFilter;
}

/** What `readAllPages` hands over per event. */
export interface PagedEvent {
  position: number;
  /** `event.occurredAt` as epoch milliseconds (offsets honoured). */
  occurredMs: number;
  event: JourneyEvent;
}

export interface SubscribeOptions {
  /** Global position to start after (exclusive): a checkpoint. Default: the beginning. */
  after?: number;
  filter?: Pick<EventFilter, 'streamPrefix' | 'types'>;
  signal?: AbortSignal;
}

/** An async iterable that catches up from `after` and then follows live appends. */
export interface Subscription extends AsyncIterable<StoredEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  readonly kind: 'sqlite' | 'esdb';
  /** Appends atomically: the whole batch or nothing. */
  append(stream: string, events: readonly JourneyEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Optional: appends several streams' batches in ONE atomic transaction — every batch or
   * none (a wrong expected revision, an invalid event or an id conflict in any stream
   * refuses them all). Batches apply in order (the same stream may appear twice); the
   * results are in the same order. For bulk loads (`journey import`): one commit instead
   * of one per stream. Adapters that cannot make it atomic leave it out (EventStoreDB:
   * one append is atomic only within a stream); callers fall back to `append` per stream.
   */
  appendMany?(batches: readonly StreamBatch[]): Promise<AppendResult[]>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Streams the history in position order, paging internally so memory stays flat. */
  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent>;
  /**
   * Optional: the same history as `readAll` (forwards only), a page at a time and narrow,
   * for bulk consumers such as a projection catching up: no promise per event, no hash or
   * recordedAt, and `occurredAt` also as epoch milliseconds. Rows at the current schema
   * version are not re-validated (validated on append, covered by the hash chain that
   * `verify` walks); older ones are upcast as in `readAll`.
   */
  readAllPages?(options?: Omit<ReadAllOptions, 'direction'>): AsyncIterable<readonly PagedEvent[]>;
  subscribeAll(options?: SubscribeOptions): Subscription;
  /** Position of the last event in the store (0 when empty): what "caught up" means. */
  headPosition(): Promise<number>;
  /** Walks the tamper-evident chain. */
  verify(options?: { onProgress?: (checked: number) => void }): Promise<ChainVerification>;
  /** Store reachable? For /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
