import type { ChainVerification, JourneyEvent, StoredEvent } from '@journeys/contracts';

/**
 * The event-store port, small in the manner of Emmett and Castore: every adapter
 * (embedded SQLite, EventStoreDB) implements exactly this and passes one contract suite.
 *
 * Positions and revisions are JS numbers, far below 2^53. A position is OPAQUE outside an
 * adapter: it orders events (compare with < and >), and is handed back as a checkpoint, but
 * nothing may add to it, subtract from it or count with it. SQLite positions are row ids
 * (dense by default, sparse with `sparsePositions`), EventStoreDB's are log byte offsets
 * with gaps of hundreds; `P - 1` is not a position on EventStoreDB. What consumers need
 * from arithmetic is offered here instead: `eventsAfter` (a lag in events, counted by the
 * store) and `eventAt` (an inclusive read of one position).
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
  /** Called on every change of status (down with the reason, up again, closed). */
  onStatus?: (status: SubscriptionStatus) => void;
}

/** What a subscription is doing, for /readyz and metrics. */
export interface SubscriptionStatus {
  /** `up`: reading or waiting for appends; `down`: the store failed and it is retrying; `closed`: ended. */
  state: 'up' | 'down' | 'closed';
  /** When it entered this state (ISO-8601). */
  since: string;
  /** While down (or closed on an error): the last failure. */
  reason?: string;
  /** Times it resumed after a drop. */
  resumes: number;
  /** Position of the last event it delivered: where it resumes after. */
  lastPosition?: number;
}

/**
 * An async iterable that catches up from `after` and then follows live appends. When the
 * store drops it (a network blip, a leader election, a locked file) it resumes by itself
 * after the last event it delivered, with back-off, without gap or duplicate; meanwhile its
 * status is `down`. It ends only on `close()`/the signal, or with an error the store
 * cannot recover from (e.g. access denied), which the iteration throws.
 */
export interface Subscription extends AsyncIterable<StoredEvent> {
  close(): Promise<void>;
  status(): SubscriptionStatus;
}

export interface EventStore {
  /** For logs and messages only ("embedded SQLite at …"); never to branch on. No credentials. */
  describe(): string;
  /** Appends atomically: the whole batch or nothing. */
  append(stream: string, events: readonly JourneyEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Appends several streams' batches, the results in batch order; batches of one stream
   * apply in order (the same stream may appear twice). For bulk loads (ingest, `journey
   * import`). Every batch is checked before anything is written. SQLite writes them in ONE
   * transaction: every batch or none. EventStoreDB can only make one stream atomic: it
   * appends stream by stream (several streams at once), so after a failure some batches
   * may be stored; retrying the same call is safe (ids are idempotent). Callers that need
   * to know which stream refused retry stream by stream with `append`.
   */
  appendMany(batches: readonly StreamBatch[]): Promise<AppendResult[]>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Streams the history in position order, paging internally so memory stays flat. */
  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent>;
  /**
   * Every adapter implements it (the contract suite requires it); optional in the type only
   * until projections/test/runner.test.ts stops deleting it from a store view.
   * The same history as `readAll` (forwards only), a page at a time and narrow,
   * for bulk consumers such as a projection catching up: no promise per event, no hash or
   * recordedAt, and `occurredAt` also as epoch milliseconds. Rows at the current schema
   * version are not re-validated (validated on append, covered by the hash chain that
   * `verify` walks); older ones are upcast as in `readAll`.
   */
  readAllPages?(options?: Omit<ReadAllOptions, 'direction'>): AsyncIterable<readonly PagedEvent[]>;
  subscribeAll(options?: SubscribeOptions): Subscription;
  /** Position of the last event in the store (0 when empty): what "caught up" means. Cheap: call it often. */
  headPosition(): Promise<number>;
  /**
   * The event stored at exactly `position` (an inclusive read), or undefined when there is
   * none there (never the next one): to check that a checkpoint belongs to this store.
   */
  eventAt(position: number): Promise<StoredEvent | undefined>;
  /**
   * How many events are stored after `position`: a lag in events, counted by the store
   * (positions cannot be subtracted). Counting stops at `atMost` (default: no bound), which
   * is then returned: on EventStoreDB counting reads the events, so pass the bound you need
   * (e.g. readiness: its maximum lag + 1).
   */
  eventsAfter(position: number, options?: { atMost?: number }): Promise<number>;
  /** The status of every open subscription of this store instance (for /readyz and metrics). */
  subscriptions(): SubscriptionStatus[];
  /** Walks the tamper-evident chain. */
  verify(options?: { onProgress?: (checked: number) => void }): Promise<ChainVerification>;
  /** Store reachable? For /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
