import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../errors.ts';
import type { EventStore } from '../port.ts';
import { appendOperations } from './append.ts';
import { createContext, settle, type SQLiteEventStoreOptions } from './context.ts';
import { readOperations } from './read.ts';
import { openSchema } from './schema.ts';
import { subscribeOperation } from './subscribe.ts';
import { verifyOperation } from './verify.ts';

export type { SQLiteEventStoreOptions } from './context.ts';

/** `JOURNEY_SQLITE_SPARSE_POSITIONS=1`: every store created without an explicit choice hands out sparse positions. */
export const SPARSE_POSITIONS_ENV = 'JOURNEY_SQLITE_SPARSE_POSITIONS';

/**
 * The embedded store: one SQLite file in WAL mode, shared safely by several processes.
 * One file per operation (append, read, subscribe, verify) over a shared context.
 */
export function getSQLiteEventStore(options: SQLiteEventStoreOptions): EventStore {
  const path = options.path === ':memory:' ? ':memory:' : resolve(options.path);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const wantSparse = options.sparsePositions ?? process.env[SPARSE_POSITIONS_ENV] === '1';

  let db: Database.Database;
  let sparse: boolean;
  try {
    db = new Database(path);
    ({ sparse } = openSchema(db, options.synchronous ?? 'normal', options.busyTimeoutMs ?? 10_000, wantSparse));
  } catch (err) {
    throw new StoreUnavailableError(`cannot open SQLite store ${path}: ${(err as Error).message}`, { cause: err });
  }
  let closed = false;
  const ctx = createContext(db, path, options, sparse, () => closed);
  const { append, appendMany } = appendOperations(ctx);

  return {
    describe: () => `embedded SQLite at ${path}${sparse ? ' (sparse positions)' : ''}`,
    append,
    appendMany,
    ...readOperations(ctx),
    subscribeAll: subscribeOperation(ctx),
    subscriptions: () => [...ctx.subscriptions].map((s) => s.status()),
    verify: verifyOperation(ctx),

    ping: () =>
      settle(() => {
        try {
          ctx.io(() => db.prepare('SELECT 1').get());
          return true;
        } catch {
          return false;
        }
      }),

    async close(): Promise<void> {
      if (closed) return;
      await Promise.all([...ctx.subscriptions].map((s) => s.close()));
      closed = true;
      ctx.notify();
      db.close();
    },
  };
}
