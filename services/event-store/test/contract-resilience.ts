import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '@journeys/contracts';
import { StoreUnavailableError, type EventStore, type Subscription, type SubscriptionStatus } from '../src/index.ts';
import type { ContractOptions } from './contract.ts';
import { collect, many, uniquePrefix } from './fixtures.ts';

/**
 * The classes of bug the EventStoreDB review found, as behaviour every adapter must show:
 * a long-lived client that reads a lot and abandons reads, positions that are only
 * compared (never subtracted), a subscription dropped by the store and resumed, and
 * outages surfacing as the typed unavailable error.
 */
export function describeResilienceContract(
  name: string,
  factory: () => Promise<EventStore> | EventStore,
  options: ContractOptions,
): void {
  describe(`EventStore contract, resilience: ${name}`, () => {
    let store: EventStore;
    let prefix: string;
    const opened: EventStore[] = [];
    beforeEach(async () => {
      store = await factory();
      opened.push(store);
      prefix = uniquePrefix();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('one long-lived store answers after thousands of headPosition calls and abandoned reads', async () => {
      // Given a history longer than any page, on one store instance (one connection)
      const start = await store.headPosition();
      await store.append(`${prefix}journey-long`, many('long', 2500));
      // When it is asked for its head thousands of times and reads are left after one event
      for (let i = 0; i < 3000; i++) await store.headPosition();
      for (let i = 0; i < 150; i++) {
        for await (const _ of store.readAll({ after: start })) break;
        for await (const _ of store.readAll({ direction: 'backwards' })) break;
        await collect(store.readAll({ after: start, maxCount: 1 }));
        await collect(store.readAllPages!({ after: start }), 1);
        await store.eventsAfter(start, { atMost: 3 });
      }
      // Then appends and reads still answer (a leaked read per call exhausts EventStoreDB's ~100 streams per connection)
      const more = await store.append(`${prefix}journey-long`, many('long', 1));
      expect(more.nextExpectedRevision).toBe(2500);
      expect(await store.readStream(`${prefix}journey-long`, { direction: 'backwards', maxCount: 1 })).toHaveLength(1);
      expect(await store.headPosition()).toBeGreaterThanOrEqual(more.position);
    }, 120_000);

    it('offers what position arithmetic was used for: eventAt (inclusive) and eventsAfter (a count)', async () => {
      const start = await store.headPosition();
      const stream = `${prefix}journey-pos`;
      const result = await store.append(stream, many('pos', 5));
      const positions = result.events.map((e) => e.position);
      // eventAt returns exactly the event at a position, never the next one
      for (const [k, p] of positions.entries()) {
        const at = await store.eventAt(p);
        expect(at?.position).toBe(p);
        expect(at?.event.id).toBe(result.events[k]!.id);
      }
      expect(await store.eventAt(0)).toBeUndefined();
      // eventsAfter counts events, whatever the gaps between positions
      expect(await store.eventsAfter(start, { atMost: 1000 })).toBeGreaterThanOrEqual(5);
      expect(await store.eventsAfter(positions[2]!)).toBe(await countAfter(store, positions[2]!));
      expect(await store.eventsAfter(positions[2]!)).toBeGreaterThanOrEqual(2);
      expect(await store.eventsAfter(positions[1]!, { atMost: 2 })).toBe(2);
      expect(await store.eventsAfter(positions[1]!, { atMost: 0 })).toBe(0);
      const head = await store.headPosition();
      expect(await store.eventsAfter(head)).toBe(0);
    });

    describe.runIf(options.outage)('outages', () => {
      it('a subscription dropped by the store goes down, resumes by itself, and delivers every event once, in order', async () => {
        // Given a subscription that has delivered the first events
        const start = await store.headPosition();
        const statuses: SubscriptionStatus[] = [];
        const sub = store.subscribeAll({ after: start, filter: { streamPrefix: prefix }, onStatus: (s) => statuses.push(s) });
        const received: StoredEvent[] = [];
        let wanted = 20;
        let arrived: () => void = () => {};
        const reading = (async () => {
          for await (const e of sub) {
            received.push(e);
            if (received.length >= wanted) arrived();
            if (received.length >= 40) break;
          }
        })();
        const until = (n: number) =>
          new Promise<void>((resolve) => {
            wanted = n;
            if (received.length >= n) resolve();
            else arrived = resolve;
          });
        const first = many('drop', 20);
        await store.append(`${prefix}journey-drop`, first);
        await until(20);

        // When the store becomes unreachable
        const end = await options.outage!();
        try {
          await waitFor(() => sub.status().state === 'down', 'the subscription to go down');
          expect(store.subscriptions().some((s) => s.state === 'down')).toBe(true);
        } finally {
          await end();
        }
        // and comes back, with appends after it
        const second = many('drop', 20);
        await store.append(`${prefix}journey-drop`, second.slice(0, 10));
        await store.append(`${prefix}journey-drop`, second.slice(10));
        await until(40);
        await reading;

        // Then nothing is missing, nothing is doubled, the order is the store's
        expect(received.map((e) => e.event.id)).toEqual([...first, ...second].map((e) => e.id));
        const all = await collect(store.readAll({ after: start, filter: { streamPrefix: prefix } }));
        expect(received.map((e) => e.position)).toEqual(all.map((e) => e.position));
        expect(sub.status()).toMatchObject({ state: 'closed' });
        expect(statuses.map((s) => s.state)).toEqual(expect.arrayContaining(['down', 'up']));
        expect(statuses.find((s) => s.state === 'down')?.reason).toBeTruthy();
        await sub.close();
      }, 60_000);

      it('every operation fails with StoreUnavailableError during an outage, and works after it', async () => {
        const stream = `${prefix}journey-out`;
        const before = await store.append(stream, many('out', 2));
        const end = await options.outage!();
        try {
          const unavailable = async (what: string, p: Promise<unknown>) => {
            const err = await p.then(
              () => new Error(`${what} succeeded during the outage`),
              (e: unknown) => e,
            );
            expect(err, what).toBeInstanceOf(StoreUnavailableError);
          };
          await unavailable('append', store.append(stream, many('out', 1)));
          await unavailable('appendMany', store.appendMany([{ stream, events: many('out', 1) }]));
          await unavailable('readStream', store.readStream(stream));
          await unavailable('readAll', collect(store.readAll({ after: before.position })));
          await unavailable('readAllPages', collect(store.readAllPages!({})));
          await unavailable('headPosition', store.headPosition());
          await unavailable('eventAt', store.eventAt(before.position));
          await unavailable('eventsAfter', store.eventsAfter(0, { atMost: 10 }));
          await unavailable('verify', store.verify());
          expect(await store.ping()).toBe(false);
        } finally {
          await end();
        }
        // the failed appends wrote nothing; the store answers again
        expect(await store.readStream(stream)).toHaveLength(2);
        expect((await store.append(stream, many('out', 1))).nextExpectedRevision).toBe(2);
        expect(await store.ping()).toBe(true);
      }, 60_000);

      it('a subscription opened during an outage is down until the store answers, then delivers', async () => {
        const start = await store.headPosition();
        const end = await options.outage!();
        let sub: Subscription | undefined;
        try {
          sub = store.subscribeAll({ after: start, filter: { streamPrefix: prefix } });
          const s = sub;
          const firstEvent = collect(s, 1);
          await waitFor(() => s.status().state === 'down', 'the subscription to go down');
          await end();
          const e = many('late', 1);
          await store.append(`${prefix}journey-late`, e);
          expect((await firstEvent).map((x) => x.event.id)).toEqual([e[0]!.id]);
          expect(s.status().resumes).toBeGreaterThanOrEqual(1);
        } finally {
          await end();
          await sub?.close();
        }
      }, 60_000);
    });
  });
}

async function countAfter(store: EventStore, position: number): Promise<number> {
  let n = 0;
  for await (const _ of store.readAll({ after: position })) n++;
  return n;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
