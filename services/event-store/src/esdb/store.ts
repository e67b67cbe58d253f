import { createHash } from 'node:crypto';
import type {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  EventStoreDBClient,
  Filter,
  Position,
  ReadPosition,
  RecordedEvent,
  ResolvedEvent,
} from '@eventstore/db-client';

type Lib = typeof import('@eventstore/db-client');
// Loaded on first use: the gRPC client costs ~300 ms to import, which SQLite users skip.
let libPromise: Promise<Lib> | undefined;
let lib: Lib | undefined;
const loadLib = (): Promise<Lib> => (libPromise ??= import('@eventstore/db-client').then((m) => (lib = m)));

// The client's constants, spelled out so they need no import before the client loads.
const START = 'start' as const;
const END = 'end' as const;
const FORWARDS = 'forwards' as const;
const BACKWARDS = 'backwards' as const;
const NO_STREAM = 'no_stream' as const;
import type { ChainVerification, JourneyEvent, StoredEvent } from '@journeys/contracts';
import { GENESIS_HASH, chainLink } from '../chain.ts';
import { BatchTooLargeError, EventStoreError, StoreUnavailableError, WrongExpectedRevisionError } from '../errors.ts';
import type {
  AppendOptions,
  AppendResult,
  AppendedEvent,
  EventFilter,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from '../port.ts';
import { assertValidStreamName } from '../stream-name.ts';
import { normaliseExpected, revisionMatches, upcastStored, validateBatch, type ValidEvent } from '../validate.ts';

/**
 * What this adapter writes as EventStoreDB event metadata. `$correlationId`/`$causationId`
 * follow EventStoreDB's conventions (its projections read them); `hash` is the link of
 * the per-stream chain (see verify below).
 */
interface JourneyMetadata {
  journeys: 1;
  hash: string;
  $correlationId?: string;
  $causationId?: string;
}

export interface EventStoreDBEventStoreOptions {
  /** `esdb://host:2113?tls=false`, `esdb+discover://…` */
  connectionString: string;
  /** Events per page for readAll, verify and stream reads. */
  pageSize?: number;
  /** How often an append with expectedRevision `any`/`exists` retries after losing a race. */
  maxRetries?: number;
}

/**
 * The production store, on EventStoreDB (@eventstore/db-client 6).
 *
 * Mapping: the envelope `id` is the EventStoreDB event id; the event's data is the whole
 * envelope as JSON (so it reads back without reassembly); revisions are stream revisions;
 * positions are `$all` commit positions as numbers (commit = prepare for events written by
 * v20+, so a checkpoint rebuilds as `{ commit, prepare: commit }`); `recordedAt` is the
 * server's `created` timestamp.
 *
 * Idempotency and the chain: every append first reads the target stream (journey streams
 * are short), so it can (1) answer a re-appended id with its original revision and position
 * and `duplicate: true`, the way the SQLite store does, and (2) continue the per-stream hash
 * chain from the stream's last link. The write then uses the exact revision it read as
 * EventStoreDB's expected revision, so two writers cannot fork a stream's chain; with
 * `any`/`exists` a lost race is retried from a fresh read. Cost: one stream read per append.
 *
 * Not checked here: an id already stored in a *different* stream (EventStoreDB has no
 * global id index), which the SQLite store refuses with EventIdConflictError.
 */
export function getEventStoreDBEventStore(options: EventStoreDBEventStoreOptions): EventStore {
  let clientPromise: Promise<{ esdb: Lib; client: EventStoreDBClient }> | undefined;
  const connect = (): Promise<{ esdb: Lib; client: EventStoreDBClient }> =>
    (clientPromise ??= loadLib().then((esdb) => {
      try {
        return { esdb, client: esdb.EventStoreDBClient.connectionString(options.connectionString) };
      } catch (err) {
        throw new StoreUnavailableError(`invalid EventStoreDB connection string: ${(err as Error).message}`, { cause: err });
      }
    }));
  const pageSize = options.pageSize ?? 1000;
  const maxRetries = options.maxRetries ?? 5;
  const subscriptions = new Set<Subscription>();
  let closed = false;

  function ensureOpen(): void {
    if (closed) throw new StoreUnavailableError('the event store is closed');
  }

  /** Everything the append needs to know about a stream: ids already in it, last revision, last link. */
  async function streamState(
    stream: string,
  ): Promise<{ actual: number; lastHash: string; byId: Map<string, { revision: number; position: number }> }> {
    const { esdb, client } = await connect();
    const byId = new Map<string, { revision: number; position: number }>();
    let actual = -1;
    let lastHash = GENESIS_HASH;
    let from: bigint | typeof START = START;
    for (;;) {
      let n = 0;
      try {
        for await (const resolved of client.readStream(stream, { fromRevision: from, direction: FORWARDS, maxCount: pageSize })) {
          n++;
          const e = resolved.event;
          if (!e) continue;
          const revision = Number(e.revision);
          // EventStoreDB keeps ids as GUIDs and reads them back lower-case (Guid.ToString()),
          // while the envelope may carry upper-case hex: compare case-insensitively, or a
          // re-append of an upper-case id would be written a second time.
          byId.set(e.id.toLowerCase(), { revision, position: positionOf(resolved) });
          actual = revision;
          const meta = e.metadata as Partial<JourneyMetadata> | undefined;
          lastHash = meta?.hash ?? lastHash;
        }
      } catch (err) {
        if (err instanceof esdb.StreamNotFoundError) return { actual: -1, lastHash, byId };
        throw mapError(err, stream);
      }
      if (n < pageSize) return { actual, lastHash, byId };
      from = BigInt(actual + 1);
    }
  }

  async function appendOnce(stream: string, batch: ValidEvent[], expected: ExpectedRevision): Promise<AppendResult | 'retry'> {
    const { esdb, client } = await connect();
    const state = await streamState(stream);
    const events = batch.map((v) => v.event);
    const placed = new Array<AppendedEvent | undefined>(events.length);
    const inBatch = new Map<string, number>();
    const fresh: number[] = [];
    for (let i = 0; i < events.length; i++) {
      const id = events[i]!.id;
      const key = id.toLowerCase(); // one GUID, whatever the hex case (see streamState)
      const existing = state.byId.get(key);
      if (existing) placed[i] = { id, ...existing, duplicate: true };
      else if (!inBatch.has(key)) {
        inBatch.set(key, i);
        fresh.push(i);
      }
    }
    if (fresh.length > 0) {
      if (!revisionMatches(expected, state.actual)) throw new WrongExpectedRevisionError(stream, expected, state.actual);
      let hash = state.lastHash;
      let revision = state.actual;
      const data = fresh.map((i) => {
        const e = events[i]!;
        revision++;
        hash = chainLink(hash, revision, stream, revision, '', e, batch[i]!.data);
        const metadata: JourneyMetadata = { journeys: 1, hash };
        if (e.correlationId !== undefined) metadata.$correlationId = e.correlationId;
        if (e.causationId !== undefined) metadata.$causationId = e.causationId;
        return esdb.jsonEvent({
          id: e.id,
          type: e.type,
          data: e,
          metadata: metadata as unknown as Record<string, unknown>,
        });
      });
      try {
        await client.appendToStream(stream, data, { expectedRevision: state.actual === -1 ? NO_STREAM : BigInt(state.actual) });
      } catch (err) {
        if (err instanceof esdb.WrongExpectedVersionError) {
          // Someone appended between our read and our write: with a caller's exact
          // expectation that is their conflict; with any/exists we read again and retry.
          if (expected === 'any' || expected === 'exists') return 'retry';
          const actual = typeof err.actualVersion === 'bigint' ? Number(err.actualVersion) : -1;
          throw new WrongExpectedRevisionError(stream, expected, actual);
        }
        throw mapError(err, stream);
      }
      // Read the batch back for the exact position of every event.
      const written = await client
        .readStream(stream, { fromRevision: BigInt(state.actual + 1), direction: FORWARDS, maxCount: fresh.length })
        .toArray()
        .catch((err: unknown) => {
          throw mapError(err, stream);
        });
      fresh.forEach((i, k) => {
        const r = written[k] as ResolvedEvent | undefined;
        placed[i] = { id: events[i]!.id, revision: state.actual + 1 + k, position: r ? positionOf(r) : 0, duplicate: false };
      });
    }
    for (let i = 0; i < events.length; i++) {
      if (!placed[i]) placed[i] = { ...placed[inBatch.get(events[i]!.id.toLowerCase())!]!, id: events[i]!.id, duplicate: true };
    }
    const appended = placed as AppendedEvent[];
    return {
      nextExpectedRevision: state.actual + fresh.length,
      position: appended[appended.length - 1]!.position,
      events: appended,
    };
  }

  /** `asRecorded`: the payload exactly as written (verify hashes that), not upcast to the current version. */
  function toStored(e: RecordedEvent, position: number, asRecorded = false): StoredEvent | undefined {
    const meta = e.metadata as Partial<JourneyMetadata> | undefined;
    if (!e.isJson || meta?.journeys !== 1) return undefined; // not written by this adapter
    const event = asRecorded ? (e.data as unknown as JourneyEvent) : upcastStored(e.data as unknown as JourneyEvent, `${e.streamId}@${String(e.revision)}`);
    return {
      position,
      stream: e.streamId,
      revision: Number(e.revision),
      recordedAt: e.created.toISOString(),
      event,
      hash: meta.hash,
    };
  }

  async function* readAll(opts: ReadAllOptions = {}, asRecorded = false): AsyncGenerator<StoredEvent> {
    ensureOpen();
    const backwards = opts.direction === 'backwards';
    let remaining = opts.maxCount ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    const match = matcher(opts.filter);
    const { client } = await connect();
    let boundary = opts.after; // exclusive
    let from: ReadPosition = boundary === undefined || (boundary === 0 && !backwards) ? (backwards ? END : START) : toPosition(boundary);
    for (;;) {
      ensureOpen();
      let n = 0;
      let last: number | undefined;
      try {
        for await (const resolved of client.readAll({
          fromPosition: from,
          direction: backwards ? BACKWARDS : FORWARDS,
          maxCount: pageSize,
        })) {
          n++;
          const e = resolved.event;
          if (!e) continue;
          const position = Number(e.position.commit);
          last = position;
          // fromPosition may be inclusive: the boundary itself is never returned.
          if (boundary !== undefined && (backwards ? position >= boundary : position <= boundary)) continue;
          if (isSystem(e.streamId, e.type)) continue;
          const stored = toStored(e, position, asRecorded);
          if (!stored || !match(stored)) continue;
          yield stored;
          if (--remaining <= 0) return;
        }
      } catch (err) {
        throw mapError(err);
      }
      if (n < pageSize || last === undefined) return;
      boundary = last;
      from = toPosition(last);
    }
  }

  function subscribeAll(opts: SubscribeOptions = {}): Subscription {
    ensureOpen();
    const after = opts.after ?? 0;
    const prefix = opts.filter?.streamPrefix;
    const types = opts.filter?.types ? new Set(opts.filter.types) : undefined;
    // Server-side filter on the stream prefix (e.g. `journey-`); event types are checked here
    // as well, since EventStoreDB filters one dimension at a time and by prefix only.
    let source: AllStreamSubscription | undefined;
    let done = false;
    const onAbort = (): void => void subscription.close();

    async function* run(): AsyncGenerator<StoredEvent> {
      try {
        const { esdb, client } = await connect();
        if (done) return;
        const filter: Filter = prefix
          ? esdb.streamNameFilter({ prefixes: [prefix] })
          : types && types.size > 0
            ? esdb.eventTypeFilter({ prefixes: [...types] })
            : esdb.excludeSystemEvents();
        source = client.subscribeToAll({ fromPosition: after > 0 ? toPosition(after) : START, filter });
        for await (const resolved of source as AsyncIterable<AllStreamResolvedEvent>) {
          if (done) return;
          const e = resolved.event;
          if (!e) continue;
          const position = Number(e.position.commit);
          if (position <= after) continue;
          if (isSystem(e.streamId, e.type)) continue;
          if (types && !types.has(e.type)) continue;
          const stored = toStored(e, position);
          if (stored) yield stored;
        }
      } catch (err) {
        if (done) return;
        throw mapError(err);
      } finally {
        await subscription.close();
      }
    }
    const iterator = run();
    const subscription: Subscription = {
      async close(): Promise<void> {
        if (done) return;
        done = true;
        subscriptions.delete(subscription);
        opts.signal?.removeEventListener('abort', onAbort);
        await source?.unsubscribe().catch(() => undefined);
        // Ends a pending `for await` on the source for certain, whatever the cancelled call emits.
        source?.destroy();
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    subscriptions.add(subscription);
    if (opts.signal?.aborted) void subscription.close();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    return subscription;
  }

  /**
   * The chain on EventStoreDB is per stream: concurrent writers to different streams have
   * no shared "previous event" to link to, and EventStoreDB already serialises writers per
   * stream. Each event's metadata holds `hash` = link(previous link of its stream, content).
   * verify() walks `$all` once, keeping the last link and revision of every stream, and
   * reports the first position whose link does not match or whose stream skips a revision
   * (events removed by $maxCount/$tb truncation or scavenging). It cannot see a whole
   * stream deleted, nor the last events of a stream removed (no global head exists);
   * EventStoreDB's ACLs are the guard there. `headHash` digests every link in `$all` order.
   */
  async function verify(opts: { onProgress?: (checked: number) => void } = {}): Promise<ChainVerification> {
    ensureOpen();
    const streams = new Map<string, { revision: number; hash: string }>();
    const digest = createHash('sha256');
    let checked = 0;
    // The links were written over the payloads as recorded: hash those, not their upcast
    // form, or every event older than the current schemaVersion would look tampered with.
    for await (const stored of readAll({}, true)) {
      const prev = streams.get(stored.stream) ?? { revision: -1, hash: GENESIS_HASH };
      const fail = (reason: string): ChainVerification => ({ ok: false, checked, brokenAt: stored.position, reason, headHash: null });
      if (stored.revision !== prev.revision + 1) {
        return fail(`${stored.stream} jumps from revision ${prev.revision} to ${stored.revision} (events removed)`);
      }
      const link = chainLink(
        prev.hash,
        stored.revision,
        stored.stream,
        stored.revision,
        '',
        stored.event,
        JSON.stringify(stored.event.data),
      );
      if (link !== stored.hash) return fail(`the event at ${stored.stream}@${stored.revision} does not match its hash`);
      streams.set(stored.stream, { revision: stored.revision, hash: link });
      digest.update(link);
      checked++;
      if (checked % 5000 === 0) opts.onProgress?.(checked);
    }
    opts.onProgress?.(checked);
    return { ok: true, checked, brokenAt: null, reason: null, headHash: checked === 0 ? GENESIS_HASH : digest.digest('hex') };
  }

  return {
    kind: 'esdb',

    async append(stream: string, events: readonly JourneyEvent[], appendOptions?: AppendOptions): Promise<AppendResult> {
      assertValidStreamName(stream);
      const expected = normaliseExpected(appendOptions);
      const valid = validateBatch(events);
      ensureOpen();
      for (let attempt = 0; ; attempt++) {
        const result = await appendOnce(stream, valid, expected);
        if (result !== 'retry') return result;
        if (attempt >= maxRetries) throw new StoreUnavailableError(`append to ${stream} lost the race ${attempt + 1} times; try again`);
      }
    },

    async readStream(stream: string, readOptions: ReadStreamOptions = {}): Promise<StoredEvent[]> {
      assertValidStreamName(stream);
      ensureOpen();
      const backwards = readOptions.direction === 'backwards';
      const max = readOptions.maxCount ?? Number.MAX_SAFE_INTEGER;
      if (max <= 0) return [];
      const fromRevision = readOptions.fromRevision === undefined ? (backwards ? END : START) : BigInt(readOptions.fromRevision);
      const { esdb, client } = await connect();
      const out: StoredEvent[] = [];
      try {
        for await (const resolved of client.readStream(stream, {
          fromRevision,
          direction: backwards ? BACKWARDS : FORWARDS,
          maxCount: max,
        })) {
          const e = resolved.event;
          if (!e) continue;
          const stored = toStored(e, positionOf(resolved));
          if (stored) out.push(stored);
        }
      } catch (err) {
        if (err instanceof esdb.StreamNotFoundError) return [];
        throw mapError(err, stream);
      }
      return out;
    },

    readAll,
    subscribeAll,

    async headPosition(): Promise<number> {
      ensureOpen();
      // The last event that is not a system event ($stats etc. are written all the time).
      for await (const e of readAll({ direction: 'backwards', maxCount: 1 })) return e.position;
      return 0;
    },

    verify,

    async ping(): Promise<boolean> {
      if (closed) return false;
      // A `deadline` option would not help: the client's readAll calls
      // callArguments(options, { deadline: Infinity }) and callArguments keeps the call's own
      // deadline over the caller's (`options.deadline ?? createDeadline(deadline)`), so a read
      // never times out. Against a server that accepts TCP but never answers it would wait
      // forever: bound it ourselves, and cancel the read so a failed ping leaks no gRPC call.
      let timer: NodeJS.Timeout | undefined;
      let read: ReturnType<EventStoreDBClient['readAll']> | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 5000);
      });
      const attempt = (async () => {
        const { client } = await connect();
        read = client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 });
        await read.toArray();
        return true;
      })().catch(() => false);
      try {
        const ok = await Promise.race([attempt, timeout]);
        if (!ok && read) {
          // ReadStream.cancel() awaits the gRPC call's creation (which may itself hang): don't wait.
          const pending = read as unknown as { cancel?: () => Promise<void> };
          void pending.cancel?.().catch(() => undefined);
          read.destroy();
        }
        return ok;
      } finally {
        clearTimeout(timer);
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions].map((s) => s.close()));
      if (clientPromise) await clientPromise.then(({ client }) => client.dispose()).catch(() => undefined);
    },
  };
}

function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): number {
  const p = resolved.event?.position ?? (resolved.commitPosition !== undefined ? { commit: resolved.commitPosition } : undefined);
  return p ? Number(p.commit) : 0;
}

function toPosition(position: number): Position {
  const p = BigInt(position);
  return { commit: p, prepare: p };
}

function isSystem(stream: string, type: string): boolean {
  return stream.startsWith('$') || type.startsWith('$');
}

/** The audit filters; EventStoreDB has no secondary indexes, so they run here. */
function matcher(filter: EventFilter | undefined): (e: StoredEvent) => boolean {
  if (!filter) return () => true;
  const types = filter.types ? new Set(filter.types) : undefined;
  const from = filter.occurredFrom !== undefined ? instant(filter.occurredFrom, 'occurredFrom') : undefined;
  const to = filter.occurredTo !== undefined ? instant(filter.occurredTo, 'occurredTo') : undefined;
  return (s) => {
    const e = s.event;
    if (filter.streamPrefix && !s.stream.startsWith(filter.streamPrefix)) return false;
    if (types && !types.has(e.type)) return false;
    if (filter.journeyId !== undefined && e.journeyId !== filter.journeyId) return false;
    if (filter.department !== undefined && e.department !== filter.department) return false;
    if (from !== undefined || to !== undefined) {
      const t = Date.parse(e.occurredAt);
      if (from !== undefined && t < from) return false;
      if (to !== undefined && t >= to) return false;
    }
    return true;
  };
}

function instant(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new EventStoreError(`${name} must be an ISO-8601 date-time, got ${JSON.stringify(value)}`);
  return ms;
}

function mapError(err: unknown, stream = '$all'): Error {
  if (err instanceof EventStoreError) return err;
  if (!lib) return err instanceof Error ? err : new EventStoreError(String(err));
  if (err instanceof lib.MaxAppendSizeExceededError) return new BatchTooLargeError(stream, err.maxAppendSize);
  if (err instanceof lib.StreamDeletedError) return new EventStoreError(`stream ${stream} has been deleted`, { cause: err });
  if (err instanceof lib.UnavailableError || err instanceof lib.DeadlineExceededError) {
    return new StoreUnavailableError(`EventStoreDB is unavailable: ${(err as Error).message}`, { cause: err });
  }
  return err instanceof Error ? err : new EventStoreError(String(err));
}
