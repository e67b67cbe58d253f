import type { AllStreamResolvedEvent, AllStreamSubscription, Filter } from '@eventstore/db-client';
import type { StoredEvent } from '@journeys/contracts';
import { StoreUnavailableError } from '../errors.ts';
import type { SubscribeOptions, Subscription } from '../port.ts';
import { resumableSubscription } from '../subscription.ts';
import { START, isSystem, mapError, toNumber, toPosition } from './client.ts';
import { toStored, type Context } from './context.ts';

/**
 * `subscribeToAll` from the checkpoint with a server-side filter: the stream prefix (e.g.
 * `journey-`), else the event types as prefixes, else "exclude system events"; exact types
 * are re-checked here, since EventStoreDB filters one dimension at a time and by prefix
 * only. A drop (leader election, restart, network) resumes after the last delivered event,
 * with back-off, forever, as Emmett's resubscribe does; access denied and other faults end it.
 */
export function subscribeOperation(ctx: Context): (options?: SubscribeOptions) => Subscription {
  return (options = {}) => {
    ctx.ensureOpen();
    const prefix = options.filter?.streamPrefix;
    const types = options.filter?.types ? new Set(options.filter.types) : undefined;
    return resumableSubscription({
      options,
      resume: ctx.resume,
      registry: ctx.subscriptions,
      isTransient: (err) => mapError(err) instanceof StoreUnavailableError && !ctx.isClosed(),
      mapError: (err) => mapError(err),
      open(after, up) {
        let source: AllStreamSubscription | undefined;
        let done = false;
        async function* events(): AsyncGenerator<StoredEvent> {
          const { esdb, client } = await ctx.connect().catch((err: unknown) => {
            throw mapError(err);
          });
          if (done) return;
          const filter: Filter = prefix
            ? esdb.streamNameFilter({ prefixes: [prefix] })
            : types && types.size > 0
              ? esdb.eventTypeFilter({ prefixes: [...types] })
              : esdb.excludeSystemEvents();
          // Subscriptions start after the checkpoint (review F4); the boundary is skipped anyway.
          source = client.subscribeToAll({ fromPosition: after > 0 ? toPosition(after) : START, filter });
          source.on('confirmation', up);
          for await (const resolved of source as AsyncIterable<AllStreamResolvedEvent>) {
            if (done) return;
            const e = resolved.event;
            if (!e) continue;
            const position = toNumber(e.position.commit);
            if (position <= after) continue;
            if (isSystem(e.streamId, e.type)) continue;
            if (types && !types.has(e.type)) continue;
            const stored = toStored(e, position);
            if (stored) {
              up();
              yield stored;
            }
          }
        }
        return {
          events: events(),
          async close() {
            done = true;
            const s = source;
            if (!s) return;
            await s.unsubscribe().catch(() => undefined);
            // Ends a pending `for await` on the source for certain, whatever the cancelled call emits.
            s.destroy();
          },
        };
      },
    });
  };
}
