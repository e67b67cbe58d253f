import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { StoredEvent } from '@journeys/contracts';
import type { EventStore, PagedEvent, ReadAllOptions } from '../port.ts';
import { assertValidStreamName } from '../stream-name.ts';
import { COLUMNS, type EventTuple } from './schema.ts';
import { PAGED_COLUMNS, asError, settle, toPaged, toStored, type Context, type Head, type PagedTuple } from './context.ts';

type Reads = Pick<EventStore, 'readStream' | 'readAll' | 'readAllPages' | 'headPosition' | 'eventAt' | 'eventsAfter'>;

export function readOperations(ctx: Context): Reads {
  const { db } = ctx;
  const stmt = {
    streamFwd: db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`).raw(true),
    streamBwd: db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`).raw(true),
    at: db.prepare(`SELECT ${COLUMNS} FROM events WHERE position = ?`).raw(true),
    countAfter: db.prepare('SELECT count(*) FROM (SELECT 1 FROM events WHERE position > ? LIMIT ?)').pluck(),
  };
  const pagedStatements = new Map<string, Database.Statement>();

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
        let query: ReturnType<Context['pageQuery']> | undefined;
        let rows: EventTuple[] = [];
        let i = 0;
        let finished = remaining <= 0;
        let pages = 0;
        const done: Promise<IteratorResult<StoredEvent>> = Promise.resolve({ done: true, value: undefined });

        function fetchPage(): void {
          query ??= ctx.pageQuery(options.filter, backwards, false);
          const limit = Math.min(ctx.pageSize, remaining);
          const q = query;
          rows = ctx.io(() => q.statement.all(cursor, ...q.params, limit) as EventTuple[]);
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

  /**
   * readAll for bulk consumers: a page per step, narrow rows. The page query is the same
   * shape as readAll's (so the same filters), reusing its WHERE clause with fewer columns.
   */
  function readAllPages(options: Omit<ReadAllOptions, 'direction'> = {}): AsyncIterable<readonly PagedEvent[]> {
    return {
      async *[Symbol.asyncIterator](): AsyncGenerator<readonly PagedEvent[]> {
        let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
        let cursor = options.after ?? 0;
        const statement = ctx.io(() => {
          const { statement: full } = ctx.pageQuery(options.filter, false, false);
          let narrow = pagedStatements.get(full.source);
          if (!narrow) {
            narrow = db.prepare(full.source.replace(`SELECT ${COLUMNS} FROM`, `SELECT ${PAGED_COLUMNS} FROM`)).raw(true);
            pagedStatements.set(full.source, narrow);
          }
          return narrow;
        });
        const { params } = ctx.pageQuery(options.filter, false, false);
        let first = true;
        while (remaining > 0) {
          // Let the event loop breathe between pages: a rebuild must not stall the server.
          if (!first) await yieldToLoop();
          first = false;
          const limit = Math.min(ctx.pageSize, remaining);
          const rows = ctx.io(() => statement.all(cursor, ...params, limit) as PagedTuple[]);
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

  return {
    readStream: (stream, options = {}) =>
      settle(() => {
        assertValidStreamName(stream);
        const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
        return ctx.io(() => {
          if (max <= 0) return [];
          const rows =
            options.direction === 'backwards'
              ? (stmt.streamBwd.all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER, max) as EventTuple[])
              : (stmt.streamFwd.all(stream, options.fromRevision ?? 0, max) as EventTuple[]);
          return rows.map(toStored);
        });
      }),
    readAll,
    readAllPages,
    headPosition: () => settle(() => ctx.io(() => (ctx.head.get() as Head).position)),
    eventAt: (position) =>
      settle(() =>
        ctx.io(() => {
          const row = stmt.at.get(position) as EventTuple | undefined;
          return row ? toStored(row) : undefined;
        }),
      ),
    eventsAfter: (position, options = {}) =>
      settle(() => {
        const atMost = options.atMost ?? Number.MAX_SAFE_INTEGER;
        if (atMost <= 0) return 0;
        return ctx.io(() => stmt.countAfter.get(position, atMost) as number);
      }),
  };
}
