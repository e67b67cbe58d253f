import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { journeyStreamName, type JourneyEvent } from '@journeys/contracts';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { createProjectionRunner, type ProjectionRunner } from '../src/runner.ts';
import Database from 'better-sqlite3';
import type { ReadModelChange } from '../src/queries.ts';
import { ev } from './support.ts';

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'journeys-runner-'));
  dirs.push(d);
  return d;
}

function openStore(dir: string, name = 'journeys.db'): EventStore {
  const store = getSQLiteEventStore({ path: join(dir, name), pollIntervalMs: 20 });
  closers.push(() => store.close());
  return store;
}

function runner(store: EventStore, readStorePath?: string): ProjectionRunner {
  const r = createProjectionRunner({ store, ...(readStorePath ? { readStorePath } : {}), batchSize: 3 });
  closers.push(() => r.stop());
  return r;
}

async function append(store: EventStore, events: JourneyEvent[]): Promise<number> {
  let position = 0;
  for (const e of events) position = (await store.append(journeyStreamName(e.journeyId), [e])).position;
  return position;
}

const ids = (r: ProjectionRunner): string[] => r.queries.listJourneys({}, { limit: 1000 }).items.map((j) => j.journeyId).sort();

const journey = (id: string, day: string) => [
  ev('JourneyStarted', id, 'intake', `${day}T09:00:00Z`, { journeyType: 'claim', channel: 'web', customerRef: 'c' }),
  ev('WorkStarted', id, 'intake', `${day}T09:10:00Z`, { activity: 'register' }),
  ev('WorkCompleted', id, 'intake', `${day}T09:20:00Z`, { activity: 'register' }),
  ev('HandoffRequested', id, 'intake', `${day}T09:20:00Z`, { toDepartment: 'billing' }),
];

describe('projection runner', () => {
  it('catches up in batches, stays live, notifies and says it is caught up', async () => {
    const dir = tempDir();
    const store = openStore(dir);
    await append(store, [...journey('a', '2026-02-01'), ...journey('b', '2026-02-02')]);
    const r = runner(store);
    const changes: ReadModelChange[] = [];
    r.queries.onChange((c) => changes.push(c));
    await r.start();
    await r.waitUntilCaughtUp();
    expect(r.caughtUp()).toBe(true);
    const head = await store.headPosition();
    expect(r.queries.position).toBe(head);
    expect(changes).toContainEqual({ kind: 'caught-up', position: head });
    const before = r.queries.customerStatus('a')!;

    // when a late event lands in the middle of journey a, and new work arrives
    const late = ev('WorkStarted', 'a', 'billing', '2026-02-01T10:00:00Z', { activity: 'invoice' });
    const position = await append(store, [late, ev('CustomerNotified', 'b', 'billing', '2026-02-02T12:00:00Z', { channel: 'sms' })]);
    await r.waitForPosition(position);
    expect(r.queries.timeline('a')!.handoffs[0]).toMatchObject({ from: 'intake', to: 'billing', delaySeconds: 2400 });
    expect(changes).toContainEqual({ kind: 'journey', journeyId: 'a', position: expect.any(Number) });
    expect(r.queries.customerStatus('a')!.version).toBeGreaterThan(before.version);
    expect(r.queries.handoffs().pairs).toMatchObject([{ from: 'intake', to: 'billing', count: 1 }]);
  });

  it('resumes from the read store file, and rebuilds one that is corrupt, from another store or from an older fold', async () => {
    const dir = tempDir();
    const path = join(dir, 'journeys.read.db');
    const store = openStore(dir);
    const firstHead = await append(store, journey('a', '2026-02-01'));
    const first = runner(store, path);
    await first.start();
    await first.waitUntilCaughtUp();
    await first.stop();

    // given more events while nothing ran, a restart resumes from the checkpoint
    const head = await append(store, journey('b', '2026-02-02'));
    const second = runner(store, path);
    await second.start();
    expect(second.resumed).toEqual({ resumed: true, position: firstHead });
    await second.waitForPosition(head);
    await second.waitUntilCaughtUp();
    expect(ids(second)).toEqual(['a', 'b']);
    const expected = second.queries.processMap();
    await second.stop();

    // an older fold's figures are rebuilt beside the live tables, then switched in
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = '0' WHERE key = 'foldVersion'").run();
    db.close();
    const notices: string[] = [];
    const third = createProjectionRunner({ store, readStorePath: path, batchSize: 3, onNotice: (l) => notices.push(l) });
    closers.push(() => third.stop());
    await third.start();
    expect(third.resumed).toMatchObject({ resumed: false, reason: expect.stringContaining('fold version 0') });
    await third.waitUntilCaughtUp();
    expect(third.queries.processMap()).toEqual(expected);
    expect(notices.join('\n')).toContain('switched in');
    await third.stop();

    // a file that is not a database is moved aside and rebuilt
    writeFileSync(path, 'not a database at all, just some bytes that are long enough to be read as a header');
    const fourth = runner(store, path);
    await fourth.start();
    expect(fourth.resumed).toMatchObject({ resumed: false, reason: expect.stringContaining('could not be opened') });
    await fourth.waitUntilCaughtUp();
    expect(fourth.queries.processMap()).toEqual(expected);
    await fourth.stop();

    // rows built from another event store are never mixed with this one's
    const other = openStore(dir, 'other.db');
    await append(other, journey('z', '2026-02-03').concat(journey('y', '2026-02-04')));
    const fifth = runner(other, path);
    await fifth.start();
    expect(fifth.resumed).toMatchObject({ resumed: false, reason: expect.stringContaining('another event store') });
    await fifth.waitUntilCaughtUp();
    expect(ids(fifth)).toEqual(['y', 'z']);
  });

  it('catches up in bulk (readAllPages) to the same state as through the subscription, with appends racing it', async () => {
    // given a store with history, and appends that keep arriving while the runners catch up
    const store = getSQLiteEventStore({ path: join(tempDir(), 'journeys.db'), pollIntervalMs: 20, pageSize: 7 });
    closers.push(() => store.close());
    const history = Array.from({ length: 30 }, (_, i) => journey(`j${i}`, `2026-02-${String((i % 27) + 1).padStart(2, '0')}`)).flat();
    await append(store, history);
    const subscriptionOnly: EventStore = { ...store };
    delete subscriptionOnly.readAllPages;
    const bulk = runner(store);
    const viaSubscription = runner(subscriptionOnly);
    const changes: ReadModelChange[] = [];
    bulk.queries.onChange((c) => changes.push(c));
    await Promise.all([bulk.start(), viaSubscription.start()]);
    const late = await append(store, [
      ev('WorkStarted', 'j3', 'billing', '2026-02-04T10:00:00Z', { activity: 'invoice' }),
      ...journey('late', '2026-02-10'),
    ]);
    // when both have caught up with everything
    await Promise.all([bulk.waitForPosition(late), viaSubscription.waitForPosition(late)]);
    await Promise.all([bulk.waitUntilCaughtUp(), viaSubscription.waitUntilCaughtUp()]);
    // then they agree, and listeners heard about every journey during the bulk catch-up
    expect(bulk.queries.position).toBe(late);
    expect(bulk.queries.listJourneys({}, { limit: 100 }).items.reduce((n, j) => n + j.eventCount, 0)).toBe(history.length + 5);
    expect(bulk.queries.handoffs()).toEqual(viaSubscription.queries.handoffs());
    expect(bulk.queries.processMap()).toEqual(viaSubscription.queries.processMap());
    // (the SLA part of a timeline depends on the wall clock: left out)
    expect({ ...bulk.queries.timeline('j3'), sla: null }).toEqual({ ...viaSubscription.queries.timeline('j3'), sla: null });
    const announced = new Set(changes.flatMap((c) => (c.kind === 'journey' ? [c.journeyId] : [])));
    expect(announced.size).toBe(31);

    // and a runner stopped in the middle of its bulk catch-up stops cleanly
    const stopped = runner(store);
    await stopped.start();
    await stopped.stop();
    expect(stopped.queries.position).toBeLessThanOrEqual(late);
  });

  it('is caught up at once on an empty store', async () => {
    const r = runner(openStore(tempDir()));
    await r.start();
    await r.waitUntilCaughtUp();
    expect(r.caughtUp()).toBe(true);
    expect(r.queries.handoffs()).toEqual({ pairs: [], journeys: 0, handoffs: 0 });
  });
});
