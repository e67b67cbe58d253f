/**
 * Everything the projections answer, in one comparable value: "the read models after a
 * crash and restart equal a rebuild from scratch" is `expect(digest(a)).toEqual(digest(b))`.
 *
 * Only what does not depend on the wall clock is compared as such: analytics at a fixed
 * instant (`asOf`), timelines without `sla.remainingSeconds` (it counts down while we look).
 */
import { createProjectionRunner, type JourneyQueries } from '@journeys/projections';
import type { EventStore } from '@journeys/event-store';

export interface ReadModelDigest {
  position: number;
  journeys: number;
  timelines: Record<string, unknown>;
  statuses: Record<string, unknown>;
  handoffs: unknown;
  processMap: unknown;
  departments: unknown;
  replay: unknown;
}

/**
 * A customer status without its `version`: the version is the store position of the
 * journey's newest event *when the status last changed*, so a process that saw the events
 * one batch at a time may hold an older (smaller) version than a rebuild for the same
 * content. Both grow, and an SSE client resuming with an older Last-Event-ID just gets the
 * current status again, so this difference is harmless; the content must be equal.
 */
export function statusContent(status: unknown): unknown {
  if (typeof status !== 'object' || status === null) return status;
  const { version: _version, ...rest } = status as Record<string, unknown>;
  return rest;
}

/** Drops the fields that count down with the wall clock, and the freshness stamp of HTTP answers. */
export function normalise<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) => (key === 'remainingSeconds' || key === 'freshness' ? undefined : v)) as T;
}

export function digestOf(queries: JourneyQueries, asOf: string): ReadModelDigest {
  const timelines: Record<string, unknown> = {};
  const statuses: Record<string, unknown> = {};
  let cursor: string | undefined;
  for (;;) {
    const page = queries.listJourneys({}, { limit: 1000, ...(cursor !== undefined ? { cursor } : {}) });
    for (const item of page.items) {
      timelines[item.journeyId] = normalise(queries.timeline(item.journeyId));
      statuses[item.journeyId] = statusContent(normalise(queries.customerStatus(item.journeyId)));
    }
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return {
    position: queries.position,
    journeys: Object.keys(timelines).length,
    timelines,
    statuses,
    handoffs: normalise(queries.handoffs()),
    processMap: normalise(queries.processMap()),
    departments: normalise(queries.departments({ now: asOf })),
    replay: normalise(queries.replay(asOf)),
  };
}

/** A fresh rebuild over `store` (no checkpoint), caught up: the reference a restarted process must equal. */
export async function rebuildDigest(store: EventStore, asOf: string): Promise<ReadModelDigest> {
  const runner = createProjectionRunner({ store });
  await runner.start();
  try {
    await runner.waitForPosition(await store.headPosition());
    return digestOf(runner.queries, asOf);
  } finally {
    await runner.stop();
  }
}

/** The same digest read over HTTP from a running server (analyst token for analytics, the rest as noted). */
export async function httpDigest(
  url: string,
  token: string,
  asOf: string,
  /** Journeys whose status is fetched (one request each); default all. */
  statusSample?: (ids: string[]) => string[],
): Promise<Omit<ReadModelDigest, 'position'>> {
  const get = async (path: string): Promise<unknown> => {
    const res = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const timelines: Record<string, unknown> = {};
  const statuses: Record<string, unknown> = {};
  let cursor: string | null = null;
  do {
    const page = (await get(`/api/timelines?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)) as {
      items: Array<{ journeyId: string }>;
      nextCursor: string | null;
    };
    for (const t of page.items) timelines[t.journeyId] = normalise(t);
    cursor = page.nextCursor;
  } while (cursor !== null);
  const ids = Object.keys(timelines).sort();
  for (const id of statusSample ? statusSample(ids) : ids) statuses[id] = statusContent(normalise(await get(`/api/journeys/${encodeURIComponent(id)}/status`)));
  const q = `asOf=${encodeURIComponent(asOf)}`;
  return {
    journeys: Object.keys(timelines).length,
    timelines,
    statuses,
    handoffs: normalise(await get('/api/analytics/handoffs')),
    processMap: normalise(await get('/api/analytics/process-map')),
    departments: normalise(((await get(`/api/analytics/departments?${q}`)) as { departments: unknown }).departments),
    replay: normalise(await get(`/api/replay?${q}`)),
  };
}
