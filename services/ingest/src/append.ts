import { journeyStreamName, type JourneyEvent } from '@journeys/contracts';
import type { BusMessage } from '@journeys/bus';
import { EventIdConflictError, EventStoreError, StoreUnavailableError, WrongExpectedRevisionError, type AppendResult, type EventStore, type StreamBatch } from '@journeys/event-store';
import { deadLetterOf } from './letters.ts';
import type { DeadLetterer } from './settle.ts';

export interface Item {
  msg: BusMessage;
  event: JourneyEvent;
}

/** What the store did with a batch: committed (with which items were duplicates), or refused items to dead-letter. */
export interface AppendOutcome {
  /** Items the store now holds: acked by the caller. */
  stored: Item[];
  /** Of those, how many were already there. */
  duplicates: number;
}

/** Groups items per journey stream, keeping their order. */
export function groupByStream(items: readonly Item[]): Map<string, Item[]> {
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const stream = journeyStreamName(item.event.journeyId);
    let group = groups.get(stream);
    if (!group) groups.set(stream, (group = []));
    group.push(item);
  }
  return groups;
}

/** The store refused these events (they will never fit), as opposed to failing to store them. */
export function isRefusal(err: unknown): boolean {
  return err instanceof EventStoreError && !(err instanceof StoreUnavailableError) && !(err instanceof WrongExpectedRevisionError);
}

/**
 * Appending: the whole batch in one store transaction when the store can (`appendMany`);
 * should it refuse the batch (an id conflict or an event it finds invalid in one stream), the
 * batch again stream by stream and, within a refused stream, event by event, so that only
 * the culprits are dead-lettered. Throws only when the store failed (unavailable): the
 * caller hands everything back.
 *
 * An event the store reports as already held is checked against the one it holds: the same
 * id from another department is a clash (`id_conflict`: a department squatting another's
 * ids, or a buggy emitter), dead-lettered with the holder's name, never acknowledged as a
 * duplicate.
 */
export function appender(store: EventStore, deadLetter: DeadLetterer, options: { concurrency: number; onRefusedBatch?: (err: Error) => void }) {
  /** Splits a committed result into stored items and clashes (dead-lettered here). */
  const committed = async (results: readonly AppendResult[], batches: readonly { stream: string; items: Item[] }[]): Promise<AppendOutcome> => {
    const stored: Item[] = [];
    let duplicates = 0;
    for (let b = 0; b < batches.length; b++) {
      const { stream, items } = batches[b]!;
      const events = results[b]!.events;
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        const appended = events[i]!;
        if (appended.duplicate && !(await sameOwner(stream, appended.revision, item.event))) {
          await clash(item, `event id ${item.event.id} is already stored for another department in ${stream}`);
          continue;
        }
        if (appended.duplicate) duplicates++;
        stored.push(item);
      }
    }
    return { stored, duplicates };
  };

  const sameOwner = async (stream: string, revision: number, event: JourneyEvent): Promise<boolean> => {
    const [held] = await store.readStream(stream, { fromRevision: revision, maxCount: 1 });
    return held === undefined || held.event.department === event.department;
  };

  const clash = (item: Item, message: string) =>
    deadLetter(item.msg, deadLetterOf(item.msg, 'id_conflict', [{ path: 'id', message, code: 'id_conflict' }], { eventId: item.event.id }));

  const refused = (item: Item, err: Error) => {
    if (err instanceof EventIdConflictError) return clash(item, err.message);
    return deadLetter(item.msg, deadLetterOf(item.msg, 'store_rejected', [{ path: '', message: err.message, code: err.name }], { eventId: item.event.id }));
  };

  /** One stream's items; a refusal of several is retried one by one to find the culprit. */
  const appendStream = async (stream: string, items: Item[]): Promise<AppendOutcome> => {
    try {
      const result = await store.append(stream, items.map((i) => i.event));
      return await committed([result], [{ stream, items }]);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      if (items.length === 1) {
        await refused(items[0]!, err as Error);
        return { stored: [], duplicates: 0 };
      }
      const outcome: AppendOutcome = { stored: [], duplicates: 0 };
      for (const item of items) merge(outcome, await appendStream(stream, [item]));
      return outcome;
    }
  };

  /** Streams are independent: a networked store (EventStoreDB) appends several at once. */
  const streamByStream = async (groups: ReadonlyMap<string, Item[]>): Promise<AppendOutcome> => {
    const outcome: AppendOutcome = { stored: [], duplicates: 0 };
    const queue = [...groups];
    let failure: unknown;
    const lane = async () => {
      for (let next = queue.shift(); next && failure === undefined; next = queue.shift()) {
        try {
          merge(outcome, await appendStream(next[0], next[1]));
        } catch (err) {
          failure = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, lane));
    if (failure !== undefined) throw new PartialAppendError(outcome, failure);
    return outcome;
  };

  return async function append(items: readonly Item[]): Promise<AppendOutcome> {
    const groups = groupByStream(items);
    if (store.appendMany) {
      const batches = [...groups].map(([stream, group]) => ({ stream, items: group }));
      let results: AppendResult[] | undefined;
      try {
        results = await store.appendMany(batches.map((b): StreamBatch => ({ stream: b.stream, events: b.items.map((i) => i.event) })));
      } catch (err) {
        if (!isRefusal(err)) throw err;
        options.onRefusedBatch?.(err as Error);
      }
      if (results) return committed(results, batches);
    }
    return streamByStream(groups);
  };
}

/** The store failed part-way through a stream-by-stream append: what was stored before it, and why it stopped. */
export class PartialAppendError extends Error {
  override name = 'PartialAppendError';
  constructor(
    readonly done: AppendOutcome,
    override readonly cause: unknown,
  ) {
    super(`the store failed after ${done.stored.length} events: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

function merge(into: AppendOutcome, from: AppendOutcome): void {
  for (const item of from.stored) into.stored.push(item);
  into.duplicates += from.duplicates;
}
