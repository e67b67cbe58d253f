import type { CalendarSet } from './calendar/calendar-set.ts';
import { rename } from 'node:fs/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { StoredEvent } from '@journeys/contracts';
import type { EventStore, Subscription } from '@journeys/event-store';
import type { JourneyQueries } from './queries.ts';
import type { PositionedEvent, ReadStore } from './read-store/read-store.ts';
import { openReadStore } from './read-store/read-store.ts';
import { rebuildBeside, rmReadStoreFiles, storeIdentity } from './read-store/rebuild.ts';
import { SwitchableQueries } from './read-store/switchable.ts';
import { rewriteJourneys } from './read-store/rewrite.ts';

export interface ProjectionRunnerOptions {
  store: EventStore;
  /**
   * The read store file (JOURNEY_READ_STORE); absent: an in-memory read store, rebuilt at
   * every start (tests, one-off commands).
   */
  readStorePath?: string;
  /** Events applied per transaction while catching up (live batches are whatever has arrived). */
  batchSize?: number;
  /** "Now" for SLA and workload; default the wall clock. */
  clock?: () => number;
  /** Business-hours calendars (JOURNEY_CALENDARS): business figures beside the elapsed ones. */
  calendars?: CalendarSet;
  /** Catch-up progress, after each batch. */
  onProgress?: (applied: number, head: number) => void;
  /** Failures of the subscription or of a batch (the runner keeps what it has and retries). */
  onError?: (err: Error) => void;
  /** Things worth telling the operator (a rebuild beside the live tables, its switch). */
  onNotice?: (line: string) => void;
}

export interface ProjectionRunner {
  /** Opens the read store and starts following the event store; resolves once following (not caught up). */
  start(): Promise<void>;
  /** Stops following; the read store keeps everything applied (its checkpoint is committed per batch). */
  stop(): Promise<void>;
  readonly queries: JourneyQueries;
  caughtUp(): boolean;
  /** Resolves once the read models reflect `position` (e.g. the position an append returned). */
  waitForPosition(position: number, options?: { signal?: AbortSignal }): Promise<void>;
  /** Resolves at the next moment the runner is caught up. */
  waitUntilCaughtUp(): Promise<void>;
  /**
   * Rewrites these journeys' rows from their streams as the store gives them now: after an
   * erasure, so the read store keeps no copy of the erased fields. Returns the journeys changed.
   */
  rewriteJourneys(journeyIds: readonly string[]): Promise<number>;
  /** How the read store was found at start: resumed from its checkpoint, or rebuilt and why. */
  readonly resumed: { resumed: true; position: number } | { resumed: false; reason: string } | undefined;
}

/**
 * Follows the event store into the read store, in batches: catches up from the read
 * store's own checkpoint (committed with every batch, so a restart resumes where it
 * stopped and a crash loses nothing), then stays live. Nothing of the history is held in
 * memory beyond the batch being applied.
 */
export function createProjectionRunner(options: ProjectionRunnerOptions): ProjectionRunner {
  const { store } = options;
  const batchSize = options.batchSize ?? 50_000;
  const queries = new SwitchableQueries();
  let readStore: ReadStore | undefined;
  let subscription: Subscription | undefined;
  let loop: Promise<void> | undefined;
  let buffer: StoredEvent[] = [];
  let head = 0;
  let isCaughtUp = false;
  let idleScheduled = false;
  let pausedByUs = false;
  let stopped = false;
  let resumed: ProjectionRunner['resumed'];
  let rebuilding: Promise<void> | undefined;
  const positionWaiters = new Set<{ position: number; resolve: () => void }>();
  const caughtUpWaiters = new Set<() => void>();

  const report = (err: unknown): void => options.onError?.(err instanceof Error ? err : new Error(String(err)));
  const position = (): number => readStore?.position ?? 0;

  function wakeWaiters(): void {
    for (const w of [...positionWaiters]) {
      if (position() >= w.position) {
        positionWaiters.delete(w);
        w.resolve();
      }
    }
    if (isCaughtUp) {
      for (const w of [...caughtUpWaiters]) w();
      caughtUpWaiters.clear();
    }
  }

  function applyBatch(batch: readonly PositionedEvent[]): void {
    if (batch.length === 0 || !readStore) return;
    const last = batch[batch.length - 1]!.position;
    if (last > head) head = last;
    if (isCaughtUp && head > last) isCaughtUp = false;
    readStore.apply(batch, { position: last });
    options.onProgress?.(position(), head);
    wakeWaiters();
  }

  function applyBuffered(): void {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    try {
      applyBatch(batch);
    } catch (err) {
      // Nothing of the batch was committed: put it back and try again on the next turn.
      buffer = [...batch, ...buffer];
      report(err);
    }
  }

  /** Runs when the subscription has nothing more to hand over right now. */
  async function onIdle(): Promise<void> {
    idleScheduled = false;
    if (pausedByUs || stopped) return;
    applyBuffered();
    try {
      head = Math.max(head, await store.headPosition());
    } catch (err) {
      report(err);
      return;
    }
    if (buffer.length > 0 || position() < head) return; // more is on its way
    if (!isCaughtUp) {
      isCaughtUp = true;
      readStore?.notify([{ kind: 'caught-up', position: position() }]);
      wakeWaiters();
    }
  }

  /** The bulk catch-up: pages from the store, applied in large transactions. */
  async function bulkCatchUp(target: ReadStore): Promise<void> {
    if (!store.readAllPages) return; // the subscription catches up instead
    let batch: PositionedEvent[] = [];
    try {
      for await (const page of store.readAllPages({ after: target.position })) {
        if (stopped) break;
        for (const e of page) batch.push(e);
        if (batch.length >= batchSize) {
          applyTo(target, batch);
          batch = [];
          await yieldToLoop();
        }
      }
      applyTo(target, batch);
    } catch (err) {
      // The subscription picks up from the last committed batch.
      if (!stopped) report(err);
    }
    options.onProgress?.(target.position, head);
    wakeWaiters();
  }

  function applyTo(target: ReadStore, batch: PositionedEvent[]): void {
    if (batch.length === 0) return;
    const last = batch[batch.length - 1]!.position;
    if (last > head) head = last;
    target.apply(batch, { position: last });
    options.onProgress?.(target.position, head);
    wakeWaiters();
  }

  async function follow(sub: Subscription): Promise<void> {
    try {
      for await (const stored of sub) {
        if (stored.position <= position()) continue; // redelivery
        buffer.push(stored);
        if (buffer.length >= batchSize) {
          applyBuffered();
          // Let the API answer between catch-up batches.
          pausedByUs = true;
          await yieldToLoop();
          pausedByUs = false;
        }
        if (!idleScheduled) {
          idleScheduled = true;
          setImmediate(() => void onIdle());
        }
      }
    } catch (err) {
      if (!stopped) report(err);
    }
  }

  /**
   * Opens the read store. A store built by another fold keeps serving its figures while
   * the new one builds beside it (`building`); the runner follows the new one once it is in.
   */
  async function openStore(): Promise<{ serving: ReadStore; building?: Promise<ReadStore> }> {
    const path = options.readStorePath;
    // The clock and the calendars travel together: every store this runner opens (and a
    // rebuild beside it) folds with the same calendars.
    const clock = { ...(options.clock ? { clock: options.clock } : {}), ...(options.calendars?.configured ? { calendars: options.calendars } : {}) };
    if (path === undefined) {
      resumed = { resumed: false, reason: 'no read store file: in memory, built from the first event' };
      return { serving: openReadStore({ path: ':memory:', ...clock }) };
    }
    const identity = await storeIdentity(store);
    let rs: ReadStore;
    try {
      rs = openReadStore({ path, ...clock });
    } catch (err) {
      // Not a database (a torn copy, another file): keep it for a post-mortem, start afresh.
      const aside = `${path}.unreadable-${Date.now()}`;
      await rename(path, aside).catch(() => undefined);
      await rmReadStoreFiles(path);
      options.onNotice?.(`journeys: the read store ${path} could not be opened (${(err as Error).message}); moved to ${aside}, rebuilding`);
      rs = openReadStore({ path, ...clock });
      resumed = { resumed: false, reason: `the read store could not be opened: ${(err as Error).message}` };
      if (identity !== null) rs.setStoreId(identity);
      return { serving: rs };
    }
    const known = rs.storeId();
    if (known !== null && identity !== null && known !== identity) {
      // Rows from another event store (replaced, or a copy): never mix them with this one.
      rs.close();
      await rmReadStoreFiles(path);
      rs = openReadStore({ path, ...clock });
      resumed = { resumed: false, reason: 'the read store was built from another event store' };
    } else if (rs.stale) {
      const reason = rs.stale.reason;
      resumed = { resumed: false, reason };
      options.onNotice?.(`journeys: ${reason}; rebuilding beside the live tables (the old figures are served meanwhile)`);
      const old = rs;
      const building = rebuildBeside({ store, path, batchSize, ...clock, onProgress: options.onProgress, beforeSwitch: () => old.close() }).then(() => {
        options.onNotice?.('journeys: the rebuilt read store is switched in');
        return openReadStore({ path, ...clock });
      });
      return { serving: old, building };
    } else if (rs.position > 0) resumed = { resumed: true, position: rs.position };
    else resumed = { resumed: false, reason: 'empty read store: built from the first event' };
    if (identity !== null && rs.storeId() === null) rs.setStoreId(identity);
    return { serving: rs };
  }

  return {
    queries,
    get resumed() {
      return resumed;
    },
    async start() {
      if (loop) return;
      stopped = false;
      const opened = await openStore();
      queries.use(opened.serving);
      if (!opened.building) readStore = opened.serving;
      head = await store.headPosition();
      loop = (async () => {
        if (opened.building) {
          rebuilding = opened.building.then(() => undefined);
          readStore = await opened.building;
          queries.use(readStore);
        }
        if (position() < head) await bulkCatchUp(readStore!);
        if (stopped) return;
        subscription = store.subscribeAll({ after: position() });
        idleScheduled = true;
        setImmediate(() => void onIdle());
        await follow(subscription);
      })();
    },
    async rewriteJourneys(journeyIds) {
      // A rebuild in progress may already have passed these events: rewrite once it is in.
      if (rebuilding) await rebuilding;
      const target = readStore;
      if (!target) return 0;
      return rewriteJourneys(target, store, journeyIds);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await subscription?.close();
      await loop;
      await rebuilding;
      loop = undefined;
      applyBuffered();
      readStore?.close();
    },
    caughtUp() {
      return isCaughtUp;
    },
    waitForPosition(p, opts = {}) {
      if (position() >= p) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const w = { position: p, resolve };
        positionWaiters.add(w);
        opts.signal?.addEventListener(
          'abort',
          () => {
            positionWaiters.delete(w);
            const reason: unknown = opts.signal!.reason;
            reject(reason instanceof Error ? reason : new Error('aborted', { cause: reason }));
          },
          { once: true },
        );
      });
    },
    waitUntilCaughtUp() {
      if (isCaughtUp) return Promise.resolve();
      return new Promise<void>((resolve) => caughtUpWaiters.add(resolve));
    },
  };
}
