import type { StoredEvent } from '@journeys/contracts';
import { StoreUnavailableError } from '../errors.ts';
import type { SubscribeOptions, Subscription } from '../port.ts';
import { resumableSubscription } from '../subscription.ts';
import type { EventTuple } from './schema.ts';
import { storeFailure, toStored, type Context, type Head, type Waiter } from './context.ts';

/**
 * Catch-up then live, by pages: a caught-up subscription is woken at once by appends of this
 * store instance and looks at the file every `pollIntervalMs` for appends by other processes.
 * A failed read (a locked or unreadable file) drops the source; the shared resumable part
 * resumes it after the last delivered position.
 */
export function subscribeOperation(ctx: Context): (options?: SubscribeOptions) => Subscription {
  return (options = {}) => {
    if (ctx.isClosed()) throw new StoreUnavailableError('the event store is closed');
    const { statement, params } = ctx.pageQuery(options.filter, false, true);
    // The page query and the head are read in one snapshot: when a page comes back short,
    // nothing matching exists up to that head, so the cursor can skip past it.
    const readPage = ctx.db.transaction((from: number): { rows: EventTuple[]; head: number } => {
      const head = (ctx.head.get() as Head).position;
      return { rows: statement.all(from, head, ...params, ctx.pageSize) as EventTuple[], head };
    });

    return resumableSubscription({
      options,
      resume: ctx.resume,
      registry: ctx.subscriptions,
      isTransient: (err) => storeFailure(err) instanceof StoreUnavailableError,
      mapError: storeFailure,
      open(after, up) {
        let done = false;
        let wake: Waiter | undefined;
        async function* events(): AsyncGenerator<StoredEvent> {
          let cursor = after;
          while (!done) {
            const { rows, head } = ctx.io(() => readPage(cursor));
            up();
            for (const row of rows) {
              if (done) return;
              cursor = row[0];
              yield toStored(row);
            }
            if (rows.length === ctx.pageSize) continue;
            cursor = Math.max(cursor, head);
            // Caught up: wait for an append here, a poll tick (appends by other processes), or close.
            await new Promise<void>((resolveWait) => {
              const timer = setTimeout(finish, ctx.pollIntervalMs);
              function finish(): void {
                clearTimeout(timer);
                ctx.waiters.delete(finish);
                wake = undefined;
                resolveWait();
              }
              wake = finish;
              ctx.waiters.add(finish);
              if (done) finish();
            });
          }
        }
        return {
          events: events(),
          close() {
            done = true;
            wake?.();
          },
        };
      },
    });
  };
}
