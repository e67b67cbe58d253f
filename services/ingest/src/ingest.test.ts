import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { randomUUID } from 'node:crypto';
import type { JourneyEvent } from '@journeys/contracts';
import { createInProcessBus, type InProcessBus } from '@journeys/bus';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { withOutage } from '../../../tests/support/store-outage.ts';
import { startIngest, type IngestHandle } from './index.ts';

const quiet = pino({ level: 'silent' });

const event = (journeyId: string, department = 'Intake', extra: Partial<JourneyEvent> = {}): JourneyEvent =>
  ({ id: randomUUID(), type: 'WorkStarted', journeyId, department, occurredAt: new Date().toISOString(), schemaVersion: 1, data: { activity: 'Triage' }, ...extra }) as JourneyEvent;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ingest on the in-process bus (no NATS)', () => {
  let dir: string;
  let store: EventStore;
  let bus: InProcessBus;
  let ingest: IngestHandle | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'journeys-ingest-unit-'));
    store = getSQLiteEventStore({ path: join(dir, 'journeys.db') });
    bus = createInProcessBus();
  });
  afterEach(async () => {
    await ingest?.stop();
    ingest = undefined;
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends valid events per journey stream, once each, and dead-letters the rest with reasons', async () => {
    ingest = await startIngest({ bus, store, logger: quiet });
    const good = [event('a'), event('b'), event('a')];
    await bus.publish([...good, good[0]!]); // the 4th is a duplicate id the bus catches
    await bus.publishRaw('journey.events.intake.WorkStarted', '[]');
    await bus.publishRaw('journey.events.billing.WorkStarted', JSON.stringify(event('c', 'Intake')));
    await waitFor('everything handled', () => ingest!.counters.appended + ingest!.counters.deadLettered >= 5);

    expect((await store.readStream('journey-a')).map((e) => e.event.id)).toEqual([good[0]!.id, good[2]!.id]);
    expect((await store.readStream('journey-b')).map((e) => e.event.id)).toEqual([good[1]!.id]);
    const letters = await bus.deadLetters();
    expect(letters.map((l) => [l.reason, l.dlqSubject])).toEqual([
      ['invalid_event', 'journey.dlq.intake'],
      ['department_mismatch', 'journey.dlq.billing'],
    ]);
    expect(letters[0]!.payload).toBe('[]');
    expect(bus.pending()).toBe(0);
  });

  it('hands events back during a store outage and stores them once it is over, losing nothing', async () => {
    let down = true;
    ingest = await startIngest({ bus, store: withOutage(store, () => down), logger: quiet, retryDelayMs: () => 50 });
    const events = Array.from({ length: 200 }, (_, i) => event(`j${i % 7}`));
    await bus.publish(events);
    await waitFor('a failed append', () => ingest!.counters.storeFailures > 0);
    expect(await store.headPosition()).toBe(0);
    down = false;
    await waitFor('all stored', () => ingest!.counters.appended === 200);
    const ids: string[] = [];
    for await (const e of store.readAll()) ids.push(e.event.id);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
    expect(ids).toHaveLength(200);
    expect(ingest.counters.naks).toBeGreaterThan(0);
    expect(await bus.deadLetters()).toEqual([]);
  });

  it('dead-letters a message that exhausted its deliveries', async () => {
    // journey "cursed" can never be appended; the others can
    ingest = await startIngest({
      bus,
      store: withOutage(store, (stream) => stream === 'journey-cursed'),
      logger: quiet,
      retryDelayMs: () => 10,
      consumer: { maxDeliver: 3, ackWaitMs: 1000 },
    });
    const cursed = event('cursed');
    await bus.publish([event('fine')]);
    await waitFor('the good one stored', () => ingest!.counters.appended === 1);
    await bus.publish([cursed]);
    await waitFor('the dead letter', async () => (await bus.deadLetters()).length === 1);
    const [letter] = await bus.deadLetters();
    expect(letter).toMatchObject({ reason: 'max_deliveries', departmentSlug: 'intake', deliveries: 2 });
    expect((JSON.parse(letter!.payload) as { id: string }).id).toBe(cursed.id);
    expect((await store.readStream('journey-fine')).length).toBe(1);
  });

  it('appends a pulled batch over many journeys in one store call (appendMany), never stream by stream', async () => {
    // Given a store that counts its calls
    const calls = { append: 0, appendMany: 0 };
    const counting = new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const fn = (value as (...a: unknown[]) => unknown).bind(target);
        if (prop !== 'append' && prop !== 'appendMany') return fn;
        return (...args: unknown[]) => {
          calls[prop]++;
          return fn(...args);
        };
      },
    });
    // When 40 events over 8 journeys wait on the bus and ingest takes them in one batch
    const first = Array.from({ length: 40 }, (_, i) => event(`m${i % 8}`));
    await bus.publish(first);
    ingest = await startIngest({ bus, store: counting, logger: quiet, batchSize: 100 });
    await waitFor('stored', () => ingest!.counters.appended === 40);
    // Then one multi-stream append stored them all, each journey in order
    expect(ingest.counters.batches).toBe(1);
    expect(calls).toEqual({ append: 0, appendMany: 1 });
    expect((await store.readStream('journey-m3')).map((e) => e.event.id)).toEqual(first.filter((e) => e.journeyId === 'm3').map((e) => e.id));
  });

  it('stores the rest of a batch the store refused because of one stream, and dead-letters only the culprit', async () => {
    // Given an event id already stored in journey "p"
    const taken = event('p');
    await store.append('journey-p', [taken]);
    // When a batch brings good events of several journeys and the same id for journey "q"
    const good = Array.from({ length: 12 }, (_, i) => event(`r${i % 4}`));
    const conflicting: JourneyEvent = { ...taken, journeyId: 'q' };
    await bus.publish([...good.slice(0, 6), conflicting, ...good.slice(6)]);
    ingest = await startIngest({ bus, store, logger: quiet, batchSize: 100 });
    await waitFor('all handled', () => ingest!.counters.appended + ingest!.counters.deadLettered === 13);
    // Then every good event is stored once, and the conflict is dead-lettered as an id clash
    expect(ingest.counters.appended).toBe(12);
    const ids: string[] = [];
    for await (const e of store.readAll()) ids.push(e.event.id);
    expect(new Set(ids)).toEqual(new Set([taken.id, ...good.map((e) => e.id)]));
    expect(ids).toHaveLength(13);
    const letters = await bus.deadLetters();
    expect(letters.map((l) => [l.reason, l.eventId])).toEqual([['id_conflict', taken.id]]);
    expect(bus.pending()).toBe(0);
  });

  it('hands back only the refused event when its dead letter cannot be sent, without pausing for a store outage', async () => {
    // Given an event id already stored in journey "p", and a DLQ that fails once
    const taken = event('p');
    await store.append('journey-p', [taken]);
    let dlqFailures = 0;
    const flakyDlq = new Proxy(bus, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const fn = (value as (...a: unknown[]) => unknown).bind(target);
        if (prop !== 'deadLetter') return fn;
        return (...args: unknown[]) => (dlqFailures++ === 0 ? Promise.reject(new Error('DLQ away')) : fn(...args));
      },
    });
    // When a batch brings good events and that id again for journey "q"
    const good = Array.from({ length: 6 }, (_, i) => event(`s${i % 3}`));
    const conflicting: JourneyEvent = { ...taken, journeyId: 'q' };
    await bus.publish([...good.slice(0, 3), conflicting, ...good.slice(3)]);
    ingest = await startIngest({ bus: flakyDlq, store, logger: quiet, batchSize: 100, retryDelayMs: () => 10 });
    await waitFor('all handled', () => ingest!.counters.appended + ingest!.counters.deadLettered === 7);
    // Then only the conflict came back (once) and was dead-lettered on its next delivery;
    // the good events were stored and the store was never taken for down
    expect(ingest.counters).toMatchObject({ appended: 6, deadLettered: 1, naks: 1, storeFailures: 0 });
    expect(dlqFailures).toBe(2);
    const letters = await bus.deadLetters();
    expect(letters.map((l) => [l.reason, l.eventId, l.deliveries])).toEqual([['id_conflict', taken.id, 2]]);
    expect(bus.pending()).toBe(0);
  });

  it('redelivers what a stopped ingest had not acked to the next one', async () => {
    const first = await startIngest({ bus, store, logger: quiet });
    await first.stop();
    await bus.publish([event('x'), event('y')]);
    ingest = await startIngest({ bus, store, logger: quiet });
    await waitFor('stored', () => ingest!.counters.appended === 2);
  });
});
