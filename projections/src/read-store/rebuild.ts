import type { CalendarSet } from '../calendar/calendar-set.ts';
import { rename, rm } from 'node:fs/promises';
import type { EventStore } from '@journeys/event-store';
import type { PositionedEvent, ReadStore } from './read-store.ts';
import { openReadStore } from './read-store.ts';

/**
 * Building a read store from the first event, beside the one in use: into `<path>.next`,
 * in large transactions, then renamed over `<path>` once complete, so nobody ever reads
 * half-built figures (a deploy with a new fold, or `journey rebuild`).
 */
export async function rmReadStoreFiles(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await rm(path + suffix, { force: true });
}

/** What identifies an event store: the id of its first event (null while empty). */
export async function storeIdentity(store: EventStore): Promise<string | null> {
  for await (const first of store.readAll({ maxCount: 1 })) return first.event.id;
  return null;
}

export interface RebuildOptions {
  store: EventStore;
  path: string;
  batchSize?: number;
  clock?: () => number;
  /** The calendars the live store is configured with (the rebuilt figures use them). */
  calendars?: CalendarSet;
  onProgress?: ((applied: number, head: number) => void) | undefined;
  /** Called once the new store is complete, before it is renamed over the old one (close the old one here). */
  beforeSwitch?: () => void | Promise<void>;
}

export interface RebuildResult {
  position: number;
  events: number;
  journeys: number;
  seconds: number;
}

export async function rebuildBeside(options: RebuildOptions): Promise<RebuildResult> {
  // Large transactions: fewer refolds of journeys that span batches; memory follows the batch.
  const next = `${options.path}.next`;
  await rmReadStoreFiles(next);
  const started = performance.now();
  const rs = openReadStore({
    path: next,
    bulk: true,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.calendars ? { calendars: options.calendars } : {}),
  });
  let events: number;
  try {
    events = await bulkLoad(options.store, rs, options.batchSize ?? 100_000, options.onProgress);
    const id = await storeIdentity(options.store);
    if (id !== null) rs.setStoreId(id);
    rs.finishBulk();
  } catch (err) {
    rs.close();
    await rmReadStoreFiles(next);
    throw err;
  }
  const result = { position: rs.position, events, journeys: rs.journeyCount(), seconds: 0 };
  rs.close();
  await options.beforeSwitch?.();
  await rmReadStoreFiles(options.path);
  await rename(next, options.path);
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** Applies the whole history (from the store's checkpoint) in batches; returns the events read. */
export async function bulkLoad(store: EventStore, rs: ReadStore, batchSize: number, onProgress?: (applied: number, head: number) => void): Promise<number> {
  const head = await store.headPosition();
  let batch: PositionedEvent[] = [];
  let events = 0;
  const pages: AsyncIterable<readonly PositionedEvent[]> = store.readAllPages
    ? store.readAllPages({ after: rs.position })
    : (async function* () {
        for await (const e of store.readAll({ after: rs.position })) yield [e];
      })();
  for await (const page of pages) {
    for (const e of page) batch.push(e);
    events += page.length;
    if (batch.length >= batchSize) {
      rs.apply(batch, { position: batch[batch.length - 1]!.position });
      batch = [];
      onProgress?.(rs.position, head);
    }
  }
  if (batch.length > 0) rs.apply(batch, { position: batch[batch.length - 1]!.position });
  onProgress?.(rs.position, head);
  return events;
}
