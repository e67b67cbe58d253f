import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { StoredEvent } from '@journeys/contracts';
import type { EventStore, Subscription } from '@journeys/event-store';
import type { ReadModelChange } from './queries.ts';
import { JourneyReadModel } from './read-model.ts';
import { loadSnapshot, writeSnapshot, type SnapshotLoad } from './snapshot.ts';

export interface ProjectionRunnerOptions {
  store: EventStore;
  /** Where the durable checkpoint (snapshot) lives; none: rebuild from the first event at every start. */
  checkpointDir?: string;
  /** Events applied per batch while catching up (live batches are whatever has arrived). */
  batchSize?: number;
  /** How often a changed model is snapshotted while live. */
  snapshotEveryMs?: number;
  /** "Now" for SLA and workload; default the wall clock. */
  clock?: () => number;
  /** Business-hours calendars (JOURNEY_CALENDARS): business figures beside the elapsed ones. */
  calendars?: import('./calendar/calendar-set.ts').CalendarSet;
  /** Catch-up progress, after each batch. */
  onProgress?: (applied: number, head: number) => void;
  /** Failures of the subscription or of a snapshot write (the runner keeps what it has). */
  onError?: (err: Error) => void;
}

export interface ProjectionRunner {
  /** Loads the checkpoint and starts following the store; resolves once following (not caught up). */
  start(): Promise<void>;
  /** Stops following and writes a last snapshot. */
  stop(): Promise<void>;
  readonly queries: JourneyReadModel;
  /** Head position − applied position, as last seen. */
  lag(): number;
  caughtUp(): boolean;
  /** Resolves once the read models reflect `position` (e.g. the position an append returned). */
  waitForPosition(position: number, options?: { signal?: AbortSignal }): Promise<void>;
  /** Resolves at the next moment the runner is caught up. */
  waitUntilCaughtUp(): Promise<void>;
  /** What happened to the snapshot at start. */
  readonly snapshot: SnapshotLoad | undefined;
}

/**
 * Follows the store from the durable checkpoint, in batches: catches up, then stays live.
 * Catch-up batches only record events (each journey is folded once, when caught up or
 * first asked); live batches fold the journeys they touch at once and refresh their
 * customer status, then `onChange` listeners hear about every changed journey.
 */
export function createProjectionRunner(options: ProjectionRunnerOptions): ProjectionRunner {
  const { store } = options;
  const batchSize = options.batchSize ?? 5000;
  const snapshotEveryMs = options.snapshotEveryMs ?? 30_000;
  const model = new JourneyReadModel({
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.calendars ? { calendars: options.calendars } : {}),
  });
  let subscription: Subscription | undefined;
  let loop: Promise<void> | undefined;
  let buffer: StoredEvent[] = [];
  let head = 0;
  let isCaughtUp = false;
  let idleScheduled = false;
  let pausedByUs = false;
  let stopped = false;
  let snapshotLoad: SnapshotLoad | undefined;
  let snapshotAt = 0;
  let snapshotPosition = -1;
  let snapshotting: Promise<void> | undefined;
  const positionWaiters = new Set<{ position: number; resolve: () => void }>();
  const caughtUpWaiters = new Set<() => void>();

  const report = (err: unknown): void => options.onError?.(err instanceof Error ? err : new Error(String(err)));

  function wakeWaiters(): void {
    for (const w of [...positionWaiters]) {
      if (model.position >= w.position) {
        positionWaiters.delete(w);
        w.resolve();
      }
    }
    if (isCaughtUp) {
      for (const w of [...caughtUpWaiters]) w();
      caughtUpWaiters.clear();
    }
  }

  function applyBuffered(): void {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    const last = batch[batch.length - 1]!.position;
    if (last > head) head = last;
    if (isCaughtUp && head > last) isCaughtUp = false;
    const changed = model.apply(batch, { eager: isCaughtUp });
    model.advanceTo(last);
    if (changed.length > 0) {
      const changes: ReadModelChange[] = changed.map((journeyId) => ({ kind: 'journey', journeyId, position: last }));
      model.notify(changes);
    }
    options.onProgress?.(model.position, head);
    wakeWaiters();
  }

  function maybeSnapshot(force = false): Promise<void> | undefined {
    if (!options.checkpointDir || snapshotting) return snapshotting;
    if (model.position === snapshotPosition) return undefined;
    if (!force && Date.now() - snapshotAt < snapshotEveryMs) return undefined;
    snapshotAt = Date.now();
    const position = model.position;
    snapshotting = writeSnapshot(options.checkpointDir, model, store)
      .then(() => {
        snapshotPosition = position;
      })
      .catch(report)
      .finally(() => {
        snapshotting = undefined;
      });
    return snapshotting;
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
    if (buffer.length > 0 || model.position < head) return; // more is on its way
    if (!isCaughtUp) {
      model.foldAll();
      isCaughtUp = true;
      model.notify([{ kind: 'caught-up', position: model.position }]);
      wakeWaiters();
      void maybeSnapshot(true);
    } else void maybeSnapshot();
  }

  /**
   * The bulk catch-up: when the store can hand over pages (`readAllPages`), the history up
   * to the head is read page by page and applied without the subscription's per-event
   * promises and without folding; the subscription then starts from where this ended, a
   * few events (or none) behind the head. Rows come from the store as it validated them
   * on append (the hash chain, checked by `journey audit`, covers them), so nothing is
   * re-validated here. Listeners still hear which journeys changed, batch by batch.
   */
  async function bulkCatchUp(): Promise<void> {
    if (!store.readAllPages) return;
    let sinceProgress = 0;
    try {
      for await (const page of store.readAllPages({ after: model.position })) {
        if (stopped) break;
        if (page.length === 0) continue;
        const last = page[page.length - 1]!.position;
        if (last > head) head = last;
        if (model.hasListeners) {
          const changed = model.apply(page);
          model.advanceTo(last);
          if (changed.length > 0) model.notify(changed.map((journeyId) => ({ kind: 'journey', journeyId, position: last })));
        } else {
          model.applyCatchUp(page);
          model.advanceTo(last);
        }
        sinceProgress += page.length;
        if (sinceProgress >= batchSize) {
          sinceProgress = 0;
          options.onProgress?.(model.position, head);
          wakeWaiters();
        }
      }
    } catch (err) {
      // The subscription picks up from the last applied page.
      if (!stopped) report(err);
    }
    options.onProgress?.(model.position, head);
    wakeWaiters();
  }

  async function follow(sub: Subscription): Promise<void> {
    try {
      for await (const stored of sub) {
        if (stored.position <= model.position) continue; // redelivery
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

  return {
    queries: model,
    get snapshot() {
      return snapshotLoad;
    },
    async start() {
      if (loop) return;
      stopped = false;
      if (options.checkpointDir) {
        snapshotLoad = await loadSnapshot(options.checkpointDir, model, store);
        if (snapshotLoad.loaded) snapshotPosition = snapshotLoad.position;
      }
      head = await store.headPosition();
      loop = (async () => {
        if (model.position < head) await bulkCatchUp();
        if (stopped) return;
        subscription = store.subscribeAll({ after: model.position });
        // An empty store (or a snapshot at the head, or the end of the bulk catch-up) is
        // caught up before any event arrives.
        idleScheduled = true;
        setImmediate(() => void onIdle());
        await follow(subscription);
      })();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await subscription?.close();
      await loop;
      loop = undefined;
      applyBuffered();
      await snapshotting;
      await maybeSnapshot(true);
    },
    lag() {
      return Math.max(0, head - model.position);
    },
    caughtUp() {
      return isCaughtUp;
    },
    waitForPosition(position, opts = {}) {
      if (model.position >= position) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const w = { position, resolve };
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
