import type { EventStoreDBClient } from '@eventstore/db-client';
import type { EventStore, Subscription } from '../port.ts';
import { appendOperations } from './append.ts';
import { BACKWARDS, END, connector } from './client.ts';
import { ensureOpenFor, type Context, type EventStoreDBEventStoreOptions } from './context.ts';
import { readOperations } from './read.ts';
import { subscribeOperation } from './subscribe.ts';
import { verifyOperation } from './verify.ts';

export type { EventStoreDBEventStoreOptions } from './context.ts';

/**
 * The production store, on EventStoreDB (@eventstore/db-client 6.2.1, server 22.6 or later).
 * One file per operation: append.ts, read.ts, subscribe.ts, verify.ts; client.ts holds the
 * connection, the read wrapper that always cancels, and the error mapping.
 *
 * Mapping: the envelope `id` is the EventStoreDB event id; the event's data is the whole
 * envelope as JSON (so it reads back without reassembly); revisions are stream revisions;
 * positions are `$all` commit positions as numbers (commit = prepare for events written by
 * v20+, so a checkpoint rebuilds as `{ commit, prepare: commit }`); `recordedAt` is the
 * server's `created` timestamp.
 *
 * Not checked here: an id already stored in a *different* stream (EventStoreDB has no
 * global id index), which the SQLite store refuses with EventIdConflictError.
 */
export function getEventStoreDBEventStore(options: EventStoreDBEventStoreOptions): EventStore {
  let closed = false;
  const readTimeoutMs = options.readTimeoutMs ?? 30_000;
  const connection = connector(options.connectionString, Math.min(readTimeoutMs, 10_000));
  const subscriptions = new Set<Subscription>();
  const ctx: Context = {
    connect: connection.connect,
    pageSize: options.pageSize ?? 200,
    maxRetries: options.maxRetries ?? 5,
    readTimeoutMs,
    appendConcurrency: Math.max(1, options.appendConcurrency ?? 16),
    resume: options.resume,
    subscriptions,
    ensureOpen: ensureOpenFor(() => closed),
    isClosed: () => closed,
  };
  const reads = readOperations(ctx);
  const { append, appendMany } = appendOperations(ctx);

  return {
    describe: () => `EventStoreDB at ${options.connectionString.replace(/\/\/[^@/]*@/, '//').replace(/\?.*$/, '')}`,
    append,
    appendMany,
    readStream: reads.readStream,
    readAll: reads.readAll,
    readAllPages: reads.readAllPages,
    headPosition: reads.headPosition,
    eventAt: reads.eventAt,
    eventsAfter: reads.eventsAfter,
    subscribeAll: subscribeOperation(ctx),
    subscriptions: () => [...subscriptions].map((s) => s.status()),
    verify: verifyOperation(ctx, reads.readAllRecorded),

    async ping(): Promise<boolean> {
      if (closed) return false;
      // Our own timer: the client's reads have no deadline (review F8), and a server that
      // accepts TCP but never answers would make a probe wait forever. The read runs to
      // completion (maxCount 1), or is cancelled when the timer wins.
      let timer: NodeJS.Timeout | undefined;
      let read: ReturnType<EventStoreDBClient['readAll']> | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 5000);
      });
      const attempt = (async () => {
        const { client } = await connection.connect();
        read = client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 });
        await read.toArray();
        return true;
      })().catch(() => false);
      try {
        const ok = await Promise.race([attempt, timeout]);
        if (!ok && read) {
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
      await connection.dispose();
    },
  };
}
