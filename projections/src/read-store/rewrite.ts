import { journeyStreamName } from '@journeys/contracts';
import type { EventStore } from '@journeys/event-store';
import type { ReadStore } from './read-store.ts';

/**
 * Rewrites journeys' rows from their streams as the event store reads now: after an erasure
 * (the shredding layer gives the personal fields as "[erased]"), so the read store keeps no
 * copy of them. Used by the running projections (POST /api/erasures) and by `journey erase`.
 */
export async function rewriteJourneys(target: ReadStore, store: Pick<EventStore, 'readStream'>, journeyIds: readonly string[]): Promise<number> {
  let changed = 0;
  for (const id of journeyIds) {
    const events = await store.readStream(journeyStreamName(id));
    if (events.length > 0) changed += target.rewrite(events).length;
  }
  return changed;
}
