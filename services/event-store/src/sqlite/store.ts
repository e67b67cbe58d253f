import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { CURRENT_SCHEMA_VERSION, type ChainVerification, type JourneyEvent, type StoredEvent } from '@journeys/contracts';
import { GENESIS_HASH, chainLink } from '../chain.ts';
import {
  EventIdConflictError,
  EventStoreError,
  InvalidEventError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
} from '../errors.ts';
import type {
  AppendResult,
  AppendedEvent,
  EventFilter,
  EventStore,
  ExpectedRevision,
  PagedEvent,
  ReadAllOptions,
  StreamBatch,
  SubscribeOptions,
  Subscription,
} from '../port.ts';
import { assertValidStreamName } from '../stream-name.ts';
import { normaliseExpected, revisionMatches, upcastStored, validateBatch, type ValidEvent } from '../validate.ts';
import { COLUMNS, openSchema, type EventRow, type EventTuple, type Synchronous } from './schema.ts';

export interface SQLiteEventStoreOptions {
  /** File path, or `:memory:` (tests only: nothing survives and no other process sees it). */
  path: string;
  /** See schema.ts: `normal` (default) survives a process kill, `full` also a power cut. */
  synchronous?: Synchronous;
  /** How often a caught-up subscription looks at the file for appends by other processes. */
  pollIntervalMs?: number;
  /** Rows per page for readAll, subscriptions and verify. */
  pageSize?: number;
  /** How long a writer waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

interface Head {
  position: number;
  hash: string;
}

type Waiter = () => void;

/** The embedded store: one SQLite file in WAL mode, shared safely by several processes. */
export function getSQLiteEventStore(options: SQLiteEventStoreOptions): EventStore {
  const path = options.path === ':memory:' ? ':memory:' : resolve(options.path);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const pageSize = options.pageSize ?? 1000;
  const pollIntervalMs = options.pollIntervalMs ?? 200;

  let db: Database.Database;
  try {
    db = new Database(path);
    openSchema(db, options.synchronous ?? 'normal', options.busyTimeoutMs ?? 10_000);
  } catch (err) {
    throw new StoreUnavailableError(`cannot open SQLite store ${path}: ${(err as Error).message}`, { cause: err });
  }

  const stmt = {
    head: db.prepare('SELECT position, hash FROM chain_head WHERE singleton = 1'),
    setHead: db.prepare('UPDATE chain_head SET position = ?, hash = ? WHERE singleton = 1'),
    lastRevision: db.prepare('SELECT max(revision) AS revision FROM events WHERE stream = ?').pluck(),
    byId: db.prepare('SELECT stream, revision, position FROM events WHERE id = ?'),
    insert: db.prepare(
      `INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
    ),
    streamFwd: db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`).raw(true),
    streamBwd: db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`).raw(true),
    verifyPage: db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`),
  };
  const pageStatements = new Map<string, Database.Statement>();

  const waiters = new Set<Waiter>();
  const subscriptions = new Set<{ close(): Promise<void> }>();
  let closed = false;

  function ensureOpen(): void {
    if (closed) throw new StoreUnavailableError('the event store is closed');
  }

  function notify(): void {
    for (const wake of [...waiters]) wake();
  }

  /**
   * The write, inside one IMMEDIATE transaction (the write lock is taken first, so the head
   * and the stream's revision cannot move under us, even from another process). Fast path:
   * when the expected revision holds, each row is inserted with `ON CONFLICT(id) DO NOTHING`
   * and only an ignored insert costs a lookup. When it does not hold, the batch may still be
   * a retry of events already stored, which succeeds without a concurrency check.
   */
  function appendOne(stream: string, events: ValidEvent[], expected: ExpectedRevision, recordedAt: string): AppendResult {
    const head = stmt.head.get() as Head;
    const last = stmt.lastRevision.get(stream) as number | null;
    const actual = last ?? -1;
    const placed = new Array<AppendedEvent>(events.length);

    if (!revisionMatches(expected, actual)) {
      for (let i = 0; i < events.length; i++) {
        const original = existingPlace(events[i]!.event.id, stream);
        if (!original) throw new WrongExpectedRevisionError(stream, expected, actual);
        placed[i] = original;
      }
      return { nextExpectedRevision: actual, position: placed[placed.length - 1]!.position, events: placed };
    }

    let position = head.position;
    let hash = head.hash;
    let revision = actual;
    for (let i = 0; i < events.length; i++) {
      const { event: e, data } = events[i]!;
      const nextPosition = position + 1;
      const nextRevision = revision + 1;
      const link = chainLink(hash, nextPosition, stream, nextRevision, recordedAt, e, data);
      const { changes } = stmt.insert.run(
        nextPosition,
        stream,
        nextRevision,
        e.id,
        e.type,
        e.journeyId,
        e.department,
        e.occurredAt,
        Date.parse(e.occurredAt),
        recordedAt,
        e.schemaVersion,
        e.actor ?? null,
        e.correlationId ?? null,
        e.causationId ?? null,
        data,
        link,
      );
      if (changes === 0) {
        // already stored (earlier, or earlier in this batch): report where
        placed[i] = existingPlace(e.id, stream)!;
        continue;
      }
      position = nextPosition;
      revision = nextRevision;
      hash = link;
      placed[i] = { id: e.id, revision, position, duplicate: false };
    }
    if (position !== head.position) stmt.setHead.run(position, hash);
    return { nextExpectedRevision: revision, position: placed[placed.length - 1]!.position, events: placed };
  }
  const appendTx = db.transaction(appendOne);
  /** Several streams in one transaction: a throw in any batch rolls back every batch before it. */
  const appendManyTx = db.transaction(
    (batches: { stream: string; events: ValidEvent[]; expected: ExpectedRevision }[], recordedAt: string): AppendResult[] =>
      batches.map((b) => appendOne(b.stream, b.events, b.expected, recordedAt)),
  );

  function existingPlace(id: string, stream: string): AppendedEvent | undefined {
    const existing = stmt.byId.get(id) as { stream: string; revision: number; position: number } | undefined;
    if (!existing) return undefined;
    if (existing.stream !== stream) throw new EventIdConflictError(id, existing.stream, stream);
    return { id, revision: existing.revision, position: existing.position, duplicate: true };
  }

  function toStored(row: EventTuple): StoredEvent {
    const event: Record<string, unknown> = {
      id: row[3],
      type: row[4],
      journeyId: row[5],
      department: row[6],
      occurredAt: row[7],
      schemaVersion: row[10],
      data: JSON.parse(row[14]) as unknown,
    };
    if (row[11] !== null) event.actor = row[11];
    if (row[12] !== null) event.correlationId = row[12];
    if (row[13] !== null) event.causationId = row[13];
    return {
      position: row[0],
      stream: row[1],
      revision: row[2],
      recordedAt: row[9],
      event: row[10] === CURRENT_SCHEMA_VERSION ? (event as JourneyEvent) : upcastStored(event as JourneyEvent, `position ${row[0]}`),
      hash: row[15],
    };
  }

  /** A prepared statement per filter shape; parameters are always bound, never spliced. */
  function pageQuery(
    filter: EventFilter | undefined,
    backwards: boolean,
    bounded: boolean,
  ): { statement: Database.Statement; params: unknown[] } {
    const where: string[] = [backwards ? 'position < ?' : 'position > ?'];
    const params: unknown[] = [];
    const key: string[] = [backwards ? 'b' : 'f'];
    if (bounded) {
      where.push('position <= ?');
      key.push('h');
    }
    if (filter?.streamPrefix) {
      where.push('instr(stream, ?) = 1');
      params.push(filter.streamPrefix);
      key.push('s');
    }
    if (filter?.types) {
      const types = [...new Set(filter.types)];
      where.push(types.length === 0 ? '0' : `type IN (${types.map(() => '?').join(', ')})`);
      params.push(...types);
      key.push(`t${types.length}`);
    }
    if (filter?.journeyId !== undefined) {
      where.push('journey_id = ?');
      params.push(filter.journeyId);
      key.push('j');
    }
    if (filter?.department !== undefined) {
      where.push('department = ?');
      params.push(filter.department);
      key.push('d');
    }
    if (filter?.occurredFrom !== undefined) {
      where.push('occurred_ms >= ?');
      params.push(instant(filter.occurredFrom, 'occurredFrom'));
      key.push('of');
    }
    if (filter?.occurredTo !== undefined) {
      where.push('occurred_ms < ?');
      params.push(instant(filter.occurredTo, 'occurredTo'));
      key.push('ot');
    }
    const k = key.join(',');
    let statement = pageStatements.get(k);
    if (!statement) {
      statement = db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position ${backwards ? 'DESC' : 'ASC'} LIMIT ?`)
        .raw(true);
      pageStatements.set(k, statement);
    }
    return { statement, params };
  }

  /**
   * Pages of `pageSize` rows by position cursor, so memory stays flat whatever the history.
   * A hand-written iterator rather than an async generator: per event it costs one resolved
   * promise instead of the generator's queue, which is a quarter of the read time at 1M events.
   */
  function readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    return {
      [Symbol.asyncIterator](): AsyncIterator<StoredEvent> {
        const backwards = options.direction === 'backwards';
        let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
        let cursor = options.after ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
        let query: ReturnType<typeof pageQuery> | undefined;
        let rows: EventTuple[] = [];
        let i = 0;
        let finished = remaining <= 0;
        let pages = 0;
        const done: Promise<IteratorResult<StoredEvent>> = Promise.resolve({ done: true, value: undefined });

        function fetchPage(): void {
          ensureOpen();
          query ??= pageQuery(options.filter, backwards, false);
          const limit = Math.min(pageSize, remaining);
          rows = query.statement.all(cursor, ...query.params, limit) as EventTuple[];
          i = 0;
          pages++;
          if (rows.length < limit) finished = true;
          else cursor = rows[rows.length - 1]![0];
        }
        function take(): Promise<IteratorResult<StoredEvent>> {
          if (i < rows.length) {
            remaining--;
            return Promise.resolve({ done: false, value: toStored(rows[i++]!) });
          }
          rows = [];
          return done;
        }
        return {
          next(): Promise<IteratorResult<StoredEvent>> {
            try {
              if (i < rows.length) return take();
              if (finished || remaining <= 0) return ((rows = []), done);
              // Let the event loop breathe between pages: a long export must not stall the server.
              if (pages > 0) {
                return yieldToLoop().then(() => {
                  fetchPage();
                  return take();
                });
              }
              fetchPage();
              return take();
            } catch (err) {
              return Promise.reject(asError(err));
            }
          },
          return(): Promise<IteratorResult<StoredEvent>> {
            finished = true;
            rows = [];
            return done;
          },
        };
      },
    };
  }

  /** The columns a bulk reader needs, in this order (raw mode). */
  const PAGED_COLUMNS =
    'position, id, type, journey_id, department, occurred_at, occurred_ms, schema_version, actor, correlation_id, causation_id, data';
  type PagedTuple = [number, string, string, string, string, string, number, number, string | null, string | null, string | null, string];
  const pagedStatements = new Map<string, Database.Statement>();

  function toPaged(row: PagedTuple): PagedEvent {
    // One literal shape for every row (optional fields present as undefined would change
    // what readStream returns, so they are added only when set, as in toStored).
    const event: Record<string, unknown> = {
      id: row[1],
      type: row[2],
      journeyId: row[3],
      department: row[4],
      occurredAt: row[5],
      schemaVersion: row[7],
      data: JSON.parse(row[11]) as unknown,
    };
    if (row[8] !== null) event.actor = row[8];
    if (row[9] !== null) event.correlationId = row[9];
    if (row[10] !== null) event.causationId = row[10];
    return {
      position: row[0],
      occurredMs: row[6],
      event: row[7] === CURRENT_SCHEMA_VERSION ? (event as JourneyEvent) : upcastStored(event as JourneyEvent, `position ${row[0]}`),
    };
  }

  /**
   * readAll for bulk consumers: a page per step, narrow rows. The page query is the same
   * shape as readAll's (so the same filters), reusing its WHERE clause with fewer columns.
   */
  function readAllPages(options: Omit<ReadAllOptions, 'direction'> = {}): AsyncIterable<readonly PagedEvent[]> {
    return {
      async *[Symbol.asyncIterator](): AsyncGenerator<readonly PagedEvent[]> {
        let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
        let cursor = options.after ?? 0;
        ensureOpen();
        const { statement: full, params } = pageQuery(options.filter, false, false);
        let statement = pagedStatements.get(full.source);
        if (!statement) {
          statement = db.prepare(full.source.replace(`SELECT ${COLUMNS} FROM`, `SELECT ${PAGED_COLUMNS} FROM`)).raw(true);
          pagedStatements.set(full.source, statement);
        }
        let first = true;
        while (remaining > 0) {
          // Let the event loop breathe between pages: a rebuild must not stall the server.
          if (!first) await yieldToLoop();
          first = false;
          ensureOpen();
          const limit = Math.min(pageSize, remaining);
          const rows = statement.all(cursor, ...params, limit) as PagedTuple[];
          if (rows.length === 0) return;
          const page = new Array<PagedEvent>(rows.length);
          for (let i = 0; i < rows.length; i++) page[i] = toPaged(rows[i]!);
          remaining -= rows.length;
          cursor = rows[rows.length - 1]![0];
          yield page;
          if (rows.length < limit) return;
        }
      },
    };
  }

  function subscribeAll(options: SubscribeOptions = {}): Subscription {
    ensureOpen();
    let cursor = options.after ?? 0;
    let done = false;
    let wake: Waiter | undefined;
    const { statement, params } = pageQuery(options.filter, false, true);
    // The page query and the head are read in one snapshot: when a page comes back short,
    // nothing matching exists up to that head, so the cursor can skip past it.
    const readPage = db.transaction((from: number): { rows: EventTuple[]; head: number } => {
      const head = (stmt.head.get() as Head).position;
      return { rows: statement.all(from, head, ...params, pageSize) as EventTuple[], head };
    });

    const subscription = {
      close(): Promise<void> {
        done = true;
        wake?.();
        subscriptions.delete(subscription);
        options.signal?.removeEventListener('abort', onAbort);
        return Promise.resolve();
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    const onAbort = (): void => void subscription.close();
    if (options.signal?.aborted) done = true;
    options.signal?.addEventListener('abort', onAbort, { once: true });
    subscriptions.add(subscription);

    async function* run(): AsyncGenerator<StoredEvent> {
      try {
        while (!done && !closed) {
          const { rows, head } = readPage(cursor);
          for (const row of rows) {
            if (done) return;
            cursor = row[0];
            yield toStored(row);
          }
          if (rows.length === pageSize) continue;
          cursor = Math.max(cursor, head);
          // Caught up: wait for an append here, a poll tick (appends by other processes), or close.
          await new Promise<void>((resolveWait) => {
            const timer = setTimeout(finish, pollIntervalMs);
            function finish(): void {
              clearTimeout(timer);
              waiters.delete(finish);
              wake = undefined;
              resolveWait();
            }
            wake = finish;
            waiters.add(finish);
            if (done || closed) finish();
          });
        }
      } finally {
        await subscription.close();
      }
    }
    const iterator = run();
    return subscription;
  }

  const verifySnapshot = db.transaction((after: number) => ({
    head: stmt.head.get() as Head | undefined,
    rows: stmt.verifyPage.all(after, 5000) as EventRow[],
  }));

  async function verify(opts: { onProgress?: (checked: number) => void } = {}): Promise<ChainVerification> {
    ensureOpen();
    let previous = GENESIS_HASH;
    let expected = 1;
    let checked = 0;
    let head: Head | undefined;
    const broken = (at: number, reason: string): ChainVerification => ({ ok: false, checked, brokenAt: at, reason, headHash: null });
    for (;;) {
      // Each page and the head come from one snapshot: an append by another process between
      // the last page and the head must not look like deleted rows.
      const snapshot = verifySnapshot(expected - 1);
      const rows = snapshot.rows;
      head = snapshot.head;
      for (const row of rows) {
        if (row.position !== expected) {
          return broken(expected, `position ${expected} is missing (the next stored position is ${row.position})`);
        }
        const link = chainLink(previous, row.position, row.stream, row.revision, row.recorded_at, rowEnvelope(row), row.data);
        if (link !== row.hash)
          return broken(
            row.position,
            `the event at position ${row.position} does not match its hash (edited, or the chain before it was rewritten)`,
          );
        if (Date.parse(row.occurred_at) !== row.occurred_ms)
          return broken(row.position, `the occurredAt index of position ${row.position} was edited`);
        previous = link;
        expected++;
        checked++;
      }
      opts.onProgress?.(checked);
      if (rows.length < 5000) break;
      await yieldToLoop();
      ensureOpen();
    }
    const last = expected - 1;
    if (!head) return broken(last + 1, 'the chain head record is missing');
    if (head.position > last)
      return broken(last + 1, `positions ${last + 1}..${head.position} are missing (deleted after the last stored event)`);
    if (head.position < last) return broken(head.position + 1, `events after position ${head.position} are not covered by the chain head`);
    if (head.hash !== previous) return broken(last, 'the chain head does not match the last event');
    return { ok: true, checked, brokenAt: null, reason: null, headHash: previous };
  }

  return {
    kind: 'sqlite',

    // better-sqlite3 is synchronous: each method runs to completion and settles its promise.
    append: (stream, events, options) =>
      settle(() => {
        assertValidStreamName(stream);
        const expected = normaliseExpected(options);
        const valid = validateBatch(events);
        ensureOpen();
        let result: AppendResult;
        try {
          result = appendTx.immediate(stream, valid, expected, new Date().toISOString());
        } catch (err) {
          if (err instanceof EventStoreError) throw err;
          throw storeFailure(err);
        }
        if (result.events.some((e) => !e.duplicate)) notify();
        return result;
      }),

    appendMany: (batches) =>
      settle(() => {
        if (!Array.isArray(batches)) throw new EventStoreError('appendMany needs an array of { stream, events } batches');
        // Everything is checked before the transaction: a bad batch anywhere writes nothing.
        const prepared = batches.map((b: StreamBatch, k) => {
          assertValidStreamName(b.stream);
          const expected = normaliseExpected(b);
          try {
            return { stream: b.stream, events: validateBatch(b.events), expected };
          } catch (err) {
            if (err instanceof InvalidEventError) {
              throw new InvalidEventError(`batch ${k} (${b.stream}): ${err.message}`, err.eventId, err.problems);
            }
            throw err;
          }
        });
        ensureOpen();
        if (prepared.length === 0) return [];
        let results: AppendResult[];
        try {
          results = appendManyTx.immediate(prepared, new Date().toISOString());
        } catch (err) {
          if (err instanceof EventStoreError) throw err;
          throw storeFailure(err);
        }
        if (results.some((r) => r.events.some((e) => !e.duplicate))) notify();
        return results;
      }),

    readStream: (stream, options = {}) =>
      settle(() => {
        assertValidStreamName(stream);
        ensureOpen();
        const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
        if (max <= 0) return [];
        const rows =
          options.direction === 'backwards'
            ? (stmt.streamBwd.all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER, max) as EventTuple[])
            : (stmt.streamFwd.all(stream, options.fromRevision ?? 0, max) as EventTuple[]);
        return rows.map(toStored);
      }),

    readAll,
    readAllPages,
    subscribeAll,

    headPosition: () =>
      settle(() => {
        ensureOpen();
        return (stmt.head.get() as Head).position;
      }),

    verify,

    ping: () =>
      settle(() => {
        if (closed) return false;
        try {
          db.prepare('SELECT 1').get();
          return true;
        } catch {
          return false;
        }
      }),

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions].map((s) => s.close()));
      notify();
      db.close();
    },
  };
}

/** Runs synchronous work and reports its outcome as a promise (a throw becomes a rejection). */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(asError(err));
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function rowEnvelope(row: EventRow): Omit<JourneyEvent, 'data' | 'type'> & { type: string } {
  return {
    id: row.id,
    type: row.type,
    journeyId: row.journey_id,
    department: row.department,
    occurredAt: row.occurred_at,
    schemaVersion: row.schema_version,
    actor: row.actor ?? undefined,
    correlationId: row.correlation_id ?? undefined,
    causationId: row.causation_id ?? undefined,
  };
}

function instant(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new EventStoreError(`${name} must be an ISO-8601 date-time, got ${JSON.stringify(value)}`);
  return ms;
}

function storeFailure(err: unknown): EventStoreError {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY')) {
    return new StoreUnavailableError(`the SQLite store is locked by another writer: ${(err as Error).message}`, { cause: err });
  }
  return new StoreUnavailableError(`append failed: ${(err as Error).message}`, { cause: err });
}
