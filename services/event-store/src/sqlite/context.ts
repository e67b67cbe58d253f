import type Database from 'better-sqlite3';
import { CURRENT_SCHEMA_VERSION, type JourneyEvent, type StoredEvent } from '@journeys/contracts';
import { EventStoreError, StoreUnavailableError } from '../errors.ts';
import type { EventFilter, PagedEvent, Subscription } from '../port.ts';
import type { ResumeOptions } from '../subscription.ts';
import { upcastStored } from '../validate.ts';
import { COLUMNS, type EventTuple, type Synchronous } from './schema.ts';

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
  /**
   * Hand out sparse positions (random gaps of 1–1000 between consecutive events), as
   * EventStoreDB does, so that no consumer can get away with arithmetic on positions. Taken
   * when the file is created (the file keeps its mode); default: `JOURNEY_SQLITE_SPARSE_POSITIONS=1`
   * in the environment, else dense (1, 2, 3, …).
   */
  sparsePositions?: boolean;
  /** Back-off of a subscription resuming after a failed read. */
  resume?: ResumeOptions;
  /**
   * Fault drills and the contract suite: while this returns a reason, every call fails with
   * StoreUnavailableError as an unreadable file would, and subscriptions go down.
   */
  outage?: () => string | undefined;
}

export interface Head {
  position: number;
  hash: string;
}

export type Waiter = () => void;

/** What the operations of one SQLite store share. */
export interface Context {
  db: Database.Database;
  path: string;
  pageSize: number;
  pollIntervalMs: number;
  sparse: boolean;
  resume: ResumeOptions | undefined;
  head: Database.Statement;
  waiters: Set<Waiter>;
  subscriptions: Set<Subscription>;
  isClosed(): boolean;
  /** Runs database work: refused when closed or in an outage; SQLite failures become StoreUnavailableError. */
  io<T>(work: () => T): T;
  notify(): void;
  pageQuery(filter: EventFilter | undefined, backwards: boolean, bounded: boolean): { statement: Database.Statement; params: unknown[] };
}

export function createContext(
  db: Database.Database,
  path: string,
  options: SQLiteEventStoreOptions,
  sparse: boolean,
  isClosed: () => boolean,
): Context {
  const pageStatements = new Map<string, Database.Statement>();
  const waiters = new Set<Waiter>();
  const outage = options.outage;
  return {
    db,
    path,
    pageSize: options.pageSize ?? 1000,
    pollIntervalMs: options.pollIntervalMs ?? 200,
    sparse,
    resume: options.resume,
    head: db.prepare('SELECT position, hash FROM chain_head WHERE singleton = 1'),
    waiters,
    subscriptions: new Set(),
    isClosed,
    io<T>(work: () => T): T {
      if (isClosed()) throw new StoreUnavailableError('the event store is closed');
      const reason = outage?.();
      if (reason !== undefined) throw new StoreUnavailableError(`the SQLite store ${path} is unavailable: ${reason}`);
      try {
        return work();
      } catch (err) {
        throw storeFailure(err);
      }
    },
    notify(): void {
      for (const wake of [...waiters]) wake();
    },
    pageQuery(filter, backwards, bounded) {
      const built = buildPageQuery(filter, backwards, bounded);
      let statement = pageStatements.get(built.key);
      if (!statement) {
        statement = db
          .prepare(`SELECT ${COLUMNS} FROM events WHERE ${built.where} ORDER BY position ${backwards ? 'DESC' : 'ASC'} LIMIT ?`)
          .raw(true);
        pageStatements.set(built.key, statement);
      }
      return { statement, params: built.params };
    },
  };
}

/** A prepared statement per filter shape; parameters are always bound, never spliced. */
function buildPageQuery(filter: EventFilter | undefined, backwards: boolean, bounded: boolean): { key: string; where: string; params: unknown[] } {
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
  return { key: key.join(','), where: where.join(' AND '), params };
}

export function toStored(row: EventTuple): StoredEvent {
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

/** The columns a bulk reader needs, in this order (raw mode). */
export const PAGED_COLUMNS =
  'position, id, type, journey_id, department, occurred_at, occurred_ms, schema_version, actor, correlation_id, causation_id, data';
export type PagedTuple = [number, string, string, string, string, string, number, number, string | null, string | null, string | null, string];

export function toPaged(row: PagedTuple): PagedEvent {
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

export function instant(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new EventStoreError(`${name} must be an ISO-8601 date-time, got ${JSON.stringify(value)}`);
  return ms;
}

export function storeFailure(err: unknown): Error {
  if (err instanceof EventStoreError) return err;
  if (!(err instanceof Error)) return new StoreUnavailableError(`the SQLite store failed: ${String(err)}`);
  const code = (err as { code?: string }).code ?? '';
  // Only SQLite's own failures are the store being unavailable; anything else is a bug to surface.
  if (!code.startsWith('SQLITE_') && err.name !== 'SqliteError' && !/database connection is not open/.test(err.message)) return err;
  if (code.startsWith('SQLITE_BUSY')) {
    return new StoreUnavailableError(`the SQLite store is locked by another writer: ${err.message}`, { cause: err });
  }
  return new StoreUnavailableError(`the SQLite store failed: ${err.message}`, { cause: err });
}

/** Runs synchronous work and reports its outcome as a promise (a throw becomes a rejection). */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(asError(err));
  }
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
