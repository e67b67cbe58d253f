import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, type JourneyEvent, type StoredEvent } from '@journeys/contracts';
import {
  EmptyBatchError,
  EventIdConflictError,
  InvalidEventError,
  InvalidStreamNameError,
  WrongExpectedRevisionError,
  type EventStore,
} from '../src/index.ts';
import { describeResilienceContract } from './contract-resilience.ts';
import { collect, handoff, many, started, uniquePrefix, workStarted } from './fixtures.ts';

export interface ContractOptions {
  /** The adapter refuses an id already stored in another stream (SQLite: yes; EventStoreDB: cannot check cheaply). */
  detectsIdInOtherStream?: boolean;
  /** `appendMany` is one atomic transaction across streams (SQLite: yes; EventStoreDB: no, stream by stream). */
  atomicAppendMany?: boolean;
  /**
   * Makes every store the factory built unreachable (a locked/unreadable file, a cut network)
   * until the returned function ends it. The outage tests run only when it is given.
   */
  outage?: () => Promise<() => Promise<void>>;
}

/**
 * The behaviour every EventStore adapter must show. Tests never assume an empty store:
 * each works under its own stream prefix and from the head position it found, so the
 * suite can run against a shared EventStoreDB server.
 */
export function describeEventStoreContract(
  name: string,
  factory: () => Promise<EventStore> | EventStore,
  options: ContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
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

    const ids = (events: StoredEvent[]) => events.map((e) => e.event.id);

    describe('append and readStream', () => {
      it('keeps a stream in append order with revisions from 0 and increasing positions', async () => {
        // given three batches on one stream
        const stream = `${prefix}journey-a`;
        const batches = [many('a', 2), [started('a')], many('a', 3)];
        const results = [];
        for (const batch of batches) results.push(await store.append(stream, batch));
        // then
        expect(results.map((r) => r.nextExpectedRevision)).toEqual([1, 2, 5]);
        const read = await store.readStream(stream);
        expect(ids(read)).toEqual(batches.flat().map((e) => e.id));
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(read.every((e) => e.stream === stream)).toBe(true);
        for (let i = 1; i < read.length; i++) expect(read[i]!.position).toBeGreaterThan(read[i - 1]!.position);
        expect(results[2]!.position).toBe(read[5]!.position);
        expect(results[2]!.events.map((e) => e.position)).toEqual(read.slice(3).map((e) => e.position));
        expect(read[2]!.event).toEqual(batches[1]![0]);
        expect(Number.isNaN(Date.parse(read[0]!.recordedAt))).toBe(false);
      });

      it('reports the head position and answers ping', async () => {
        const before = await store.headPosition();
        const result = await store.append(`${prefix}journey-h`, many('h', 2));
        expect(await store.headPosition()).toBeGreaterThanOrEqual(result.position);
        expect(result.position).toBeGreaterThan(before);
        expect(await store.ping()).toBe(true);
      });

      it('reads forwards and backwards from a revision, bounded by maxCount', async () => {
        const stream = `${prefix}journey-r`;
        const events = many('r', 10);
        await store.append(stream, events);
        const revs = (list: StoredEvent[]) => list.map((e) => e.revision);
        expect(revs(await store.readStream(stream, { fromRevision: 4 }))).toEqual([4, 5, 6, 7, 8, 9]);
        expect(revs(await store.readStream(stream, { fromRevision: 4, maxCount: 3 }))).toEqual([4, 5, 6]);
        expect(revs(await store.readStream(stream, { direction: 'backwards' }))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        expect(revs(await store.readStream(stream, { direction: 'backwards', maxCount: 2 }))).toEqual([9, 8]);
        expect(revs(await store.readStream(stream, { direction: 'backwards', fromRevision: 3, maxCount: 10 }))).toEqual([3, 2, 1, 0]);
        expect(await store.readStream(stream, { fromRevision: 10 })).toEqual([]);
        expect(await store.readStream(`${prefix}journey-none`)).toEqual([]);
        expect(await store.readStream(`${prefix}journey-none`, { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('optimistic concurrency', () => {
      async function conflict(promise: Promise<unknown>): Promise<WrongExpectedRevisionError> {
        const err = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        return err as WrongExpectedRevisionError;
      }

      it('no_stream: succeeds on a new stream, fails with the actual revision on an existing one', async () => {
        const stream = `${prefix}journey-c1`;
        expect((await store.append(stream, many('c1', 2), { expectedRevision: 'no_stream' })).nextExpectedRevision).toBe(1);
        const err = await conflict(store.append(stream, many('c1', 1), { expectedRevision: 'no_stream' }));
        expect(err.expected).toBe('no_stream');
        expect(err.actual).toBe(1);
        expect(err.stream).toBe(stream);
      });

      it('exists: fails with actual -1 on a missing stream, succeeds once it exists', async () => {
        const stream = `${prefix}journey-c2`;
        const err = await conflict(store.append(stream, many('c2', 1), { expectedRevision: 'exists' }));
        expect(err.expected).toBe('exists');
        expect(err.actual).toBe(-1);
        expect(await store.readStream(stream)).toEqual([]);
        await store.append(stream, many('c2', 1));
        expect((await store.append(stream, many('c2', 1), { expectedRevision: 'exists' })).nextExpectedRevision).toBe(1);
      });

      it('a revision: succeeds when it is the last revision, fails with expected and actual otherwise', async () => {
        const stream = `${prefix}journey-c3`;
        await store.append(stream, many('c3', 3));
        expect((await store.append(stream, many('c3', 1), { expectedRevision: 2 })).nextExpectedRevision).toBe(3);
        const stale = await conflict(store.append(stream, many('c3', 1), { expectedRevision: 2 }));
        expect([stale.expected, stale.actual]).toEqual([2, 3]);
        const ahead = await conflict(store.append(`${prefix}journey-c3-missing`, many('c3', 1), { expectedRevision: 0 }));
        expect([ahead.expected, ahead.actual]).toEqual([0, -1]);
        expect(await store.readStream(stream)).toHaveLength(4);
      });

      it('any: always appends', async () => {
        const stream = `${prefix}journey-c4`;
        expect((await store.append(stream, many('c4', 1), { expectedRevision: 'any' })).nextExpectedRevision).toBe(0);
        expect((await store.append(stream, many('c4', 1))).nextExpectedRevision).toBe(1);
      });

      it('only one of two writers expecting the same revision wins', async () => {
        const stream = `${prefix}journey-c5`;
        await store.append(stream, many('c5', 1));
        const outcomes = await Promise.allSettled([
          store.append(stream, many('c5', 1), { expectedRevision: 0 }),
          store.append(stream, many('c5', 1), { expectedRevision: 0 }),
        ]);
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(stream)).toHaveLength(2);
      });
    });

    describe('idempotency', () => {
      it('re-appending an event returns its original place and writes nothing', async () => {
        const stream = `${prefix}journey-i`;
        const batch = many('i', 3);
        const first = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        // a retry with the same (now stale) expected revision still succeeds
        const again = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        expect(again.events.every((e) => e.duplicate)).toBe(true);
        expect(again.events.map((e) => [e.revision, e.position])).toEqual(first.events.map((e) => [e.revision, e.position]));
        expect(again.position).toBe(first.position);
        expect(again.nextExpectedRevision).toBe(2);
        const single = await store.append(stream, [batch[1]!]);
        expect(single.events[0]).toEqual({ ...first.events[1], duplicate: true });
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it('a batch mixing known and new events appends only the new ones', async () => {
        const stream = `${prefix}journey-i2`;
        const known = many('i2', 2);
        await store.append(stream, known);
        const fresh = many('i2', 2);
        const result = await store.append(stream, [known[1]!, ...fresh]);
        expect(result.events.map((e) => e.duplicate)).toEqual([true, false, false]);
        expect(result.events.map((e) => e.revision)).toEqual([1, 2, 3]);
        expect(result.nextExpectedRevision).toBe(3);
        expect(ids(await store.readStream(stream))).toEqual([...known, ...fresh].map((e) => e.id));
      });

      it('the same id twice in one batch is stored once', async () => {
        const stream = `${prefix}journey-i3`;
        const e = workStarted('i3');
        const result = await store.append(stream, [e, e]);
        expect(result.events.map((x) => x.duplicate)).toEqual([false, true]);
        expect(result.events[1]!.position).toBe(result.events[0]!.position);
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      if (options.detectsIdInOtherStream) {
        it('refuses an id already stored in another stream', async () => {
          const e = workStarted('i4');
          await store.append(`${prefix}journey-i4`, [e]);
          await expect(store.append(`${prefix}journey-other`, [e])).rejects.toBeInstanceOf(EventIdConflictError);
          expect(await store.readStream(`${prefix}journey-other`)).toEqual([]);
        });
      }
    });

    describe('readAll', () => {
      async function seed(): Promise<{ start: number; events: JourneyEvent[] }> {
        const start = await store.headPosition();
        const events = [
          started('ra', '2026-03-01T09:00:00+01:00'), // 08:00Z
          handoff('ra', 'Intake', 'Legal & Compliance', '2026-03-01T10:00:00+01:00'), // 09:00Z
          workStarted('ra', { department: 'Legal & Compliance', occurredAt: '2026-03-01T08:30:00Z' }),
          started('rb', '2026-03-02T09:00:00Z'),
        ];
        await store.append(`${prefix}journey-ra`, events.slice(0, 3));
        await store.append(`${prefix}journey-rb`, events.slice(3));
        await store.append(`${uniquePrefix('other')}journey-x`, many('x', 2));
        return { start, events };
      }

      it('reads every event after a position, in position order, filtered by stream prefix', async () => {
        const { start, events } = await seed();
        const all = await collect(store.readAll({ after: start, filter: { streamPrefix: prefix } }));
        expect(ids(all)).toEqual(events.map((e) => e.id));
        const positions = all.map((e) => e.position);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        expect(all.every((e) => e.position > start)).toBe(true);
        // from the middle
        const rest = await collect(store.readAll({ after: all[1]!.position, filter: { streamPrefix: prefix } }));
        expect(ids(rest)).toEqual(events.slice(2).map((e) => e.id));
        // bounded
        expect(ids(await collect(store.readAll({ after: start, maxCount: 2, filter: { streamPrefix: prefix } })))).toEqual(
          events.slice(0, 2).map((e) => e.id),
        );
      });

      it('reads backwards from the end or from before a position', async () => {
        const { events } = await seed();
        const back = await collect(store.readAll({ direction: 'backwards', filter: { streamPrefix: prefix } }), 4);
        expect(ids(back)).toEqual(events.map((e) => e.id).reverse());
        const before = await collect(store.readAll({ direction: 'backwards', after: back[1]!.position, filter: { streamPrefix: prefix } }));
        expect(ids(before)).toEqual(
          events
            .slice(0, 2)
            .map((e) => e.id)
            .reverse(),
        );
      });

      it('filters by type, journeyId, department and occurredAt range', async () => {
        const { start, events } = await seed();
        const read = (filter: object) => collect(store.readAll({ after: start, filter: { streamPrefix: prefix, ...filter } }));
        expect(ids(await read({ types: ['JourneyStarted'] }))).toEqual([events[0]!.id, events[3]!.id]);
        expect(ids(await read({ types: ['JourneyStarted', 'WorkStarted'] }))).toEqual([events[0]!.id, events[2]!.id, events[3]!.id]);
        expect(ids(await read({ types: [] }))).toEqual([]);
        expect(ids(await read({ journeyId: 'rb' }))).toEqual([events[3]!.id]);
        expect(ids(await read({ department: 'Legal & Compliance' }))).toEqual([events[2]!.id]);
        // occurredAt compares instants, not text: 10:00+01:00 is 09:00Z; from inclusive, to exclusive
        expect(ids(await read({ occurredFrom: '2026-03-01T08:30:00Z', occurredTo: '2026-03-02T09:00:00Z' }))).toEqual([
          events[1]!.id,
          events[2]!.id,
        ]);
        expect(ids(await read({ occurredFrom: '2026-03-01T09:00:00Z', types: ['HandoffRequested'] }))).toEqual([events[1]!.id]);
      });
    });

    describe('subscribeAll', () => {
      it('catches up from a position, then follows concurrent appends in order without gap or duplicate', async () => {
        const start = await store.headPosition();
        const history = many('s0', 30);
        await store.append(`${prefix}journey-s0`, history);
        const sub = store.subscribeAll({ after: start, filter: { streamPrefix: prefix } });
        const writers = 4;
        const batchesPerWriter = 8;
        const expectedCount = history.length + writers * batchesPerWriter * 3;
        const received: StoredEvent[] = [];
        const reading = (async () => {
          for await (const e of sub) {
            received.push(e);
            if (received.length >= expectedCount) break;
          }
        })();
        // when four writers append concurrently while the subscriber catches up
        const appended = await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            const out: string[] = [];
            for (let b = 0; b < batchesPerWriter; b++) {
              const batch = many(`s${w + 1}`, 3);
              await store.append(`${prefix}journey-s${w + 1}`, batch);
              out.push(...batch.map((e) => e.id));
              await new Promise((r) => setTimeout(r, b % 3));
            }
            return out;
          }),
        );
        await reading;
        await sub.close();
        // then every event arrives once, in position order
        const positions = received.map((e) => e.position);
        for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
        expect(new Set(ids(received)).size).toBe(expectedCount);
        expect(new Set(ids(received))).toEqual(new Set([...history.map((e) => e.id), ...appended.flat()]));
        // and matches the order readAll gives
        const all = await collect(store.readAll({ after: start, filter: { streamPrefix: prefix } }));
        expect(ids(received)).toEqual(ids(all));
      });

      it('starts after a checkpoint and filters by type', async () => {
        const stream = `${prefix}journey-s6`;
        const first = await store.append(stream, [started('s6')]);
        const sub = store.subscribeAll({ after: first.position, filter: { streamPrefix: prefix, types: ['HandoffRequested'] } });
        const h = handoff('s6', 'Intake', 'Billing', new Date().toISOString());
        await store.append(stream, [workStarted('s6'), h, workStarted('s6')]);
        const got = await collect(sub, 1);
        await sub.close();
        expect(got.map((e) => e.event.id)).toEqual([h.id]);
        expect(got[0]!.revision).toBe(2);
      });

      it('ends when closed or aborted while waiting for events', async () => {
        const sub = store.subscribeAll({ after: await store.headPosition(), filter: { streamPrefix: prefix } });
        const iterating = collect(sub);
        await new Promise((r) => setTimeout(r, 50));
        await sub.close();
        expect(await iterating).toEqual([]);

        const controller = new AbortController();
        const sub2 = store.subscribeAll({ after: await store.headPosition(), filter: { streamPrefix: prefix }, signal: controller.signal });
        const iterating2 = collect(sub2);
        const e = workStarted('s7');
        await store.append(`${prefix}journey-s7`, [e]);
        await new Promise((r) => setTimeout(r, 300));
        controller.abort();
        expect(ids(await iterating2)).toEqual([e.id]);
      });
    });

    describe('volume and content', () => {
      it('appends a batch of 10 000 events atomically and reads it back', async () => {
        const stream = `${prefix}journey-big`;
        const batch = many('big', 10_000);
        const before = await store.headPosition();
        const result = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(9_999);
        expect(result.events).toHaveLength(10_000);
        const read = await store.readStream(stream);
        expect(read).toHaveLength(10_000);
        expect(read[9_999]!.revision).toBe(9_999);
        expect(read[4_321]!.event.id).toBe(batch[4_321]!.id);
        let n = 0;
        for await (const e of store.readAll({ after: before, filter: { streamPrefix: prefix } })) {
          expect(e.event.id).toBe(batch[n]!.id);
          n++;
        }
        expect(n).toBe(10_000);
      }, 120_000);

      it('keeps Unicode text intact in stream names, envelopes and payloads', async () => {
        const journeyId = 'ジャーニー-ü-🚀-e\u0301';
        const stream = `${prefix}journey-${journeyId}`;
        // (department names are NFKC with no variation selector: contracts/src/text.ts refuses look-alikes)
        const e = workStarted(journeyId, { department: 'Légal & 経理 \u{1F3DB}', actor: 'Zoë 👩🏽‍💻' });
        (e as Extract<JourneyEvent, { type: 'WorkStarted' }>).data = {
          activity: 'prüfen — 審査 🧾',
          attributes: { 'clé ✓': 'välue 𝄞', n: 3 },
        };
        await store.append(stream, [e]);
        const [read] = await store.readStream(stream);
        expect(read!.stream).toBe(stream);
        expect(read!.event).toEqual(e);
        const viaAll = await collect(store.readAll({ filter: { streamPrefix: prefix, department: 'Légal & 経理 \u{1F3DB}', journeyId } }));
        expect(ids(viaAll)).toEqual([e.id]);
      });

      it(`refuses an event over MAX_EVENT_BYTES (${MAX_EVENT_BYTES}) and accepts one just under`, async () => {
        const stream = `${prefix}journey-size`;
        const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'x'.repeat(4000)]));
        const big = workStarted('size', { data: { activity: 'a', attributes: attributes(17) } });
        const err = await store.append(stream, [big]).catch((x: unknown) => x);
        expect(err).toBeInstanceOf(InvalidEventError);
        expect((err as InvalidEventError).problems.map((p) => p.code)).toContain('too_big');
        const fits = workStarted('size', { data: { activity: 'a', attributes: attributes(15) } });
        await store.append(stream, [fits]);
        expect(ids(await store.readStream(stream))).toEqual([fits.id]);
      });
    });

    describe('bad input', () => {
      it.each([
        ['empty', ''],
        ['blank', '   '],
        ['system ($)', '$all'],
        ['control character', 'journey-a\nb'],
        ['too long', 'j'.repeat(201)],
      ])('refuses a %s stream name with InvalidStreamNameError', async (_label, name) => {
        await expect(store.append(name, many('n', 1))).rejects.toBeInstanceOf(InvalidStreamNameError);
        await expect(store.readStream(name)).rejects.toBeInstanceOf(InvalidStreamNameError);
      });

      it('refuses an empty batch with EmptyBatchError', async () => {
        await expect(store.append(`${prefix}journey-e`, [])).rejects.toBeInstanceOf(EmptyBatchError);
      });

      it('refuses a payload JSON cannot carry, and writes nothing of its batch', async () => {
        const stream = `${prefix}journey-ns`;
        const circular: Record<string, unknown> = { activity: 'x' };
        circular.self = circular;
        const bigint = workStarted('ns', { data: { activity: 'x', attributes: { n: 10n } } } as unknown as Partial<JourneyEvent>);
        const cyclic = workStarted('ns', { data: circular } as unknown as Partial<JourneyEvent>);
        const nan = workStarted('ns', { data: { activity: 'x', attributes: { n: Number.NaN } } });
        for (const bad of [bigint, cyclic, nan]) {
          await expect(store.append(stream, [workStarted('ns'), bad])).rejects.toBeInstanceOf(InvalidEventError);
        }
        expect(await store.readStream(stream)).toEqual([]);
      });

      it('refuses an invalid envelope, listing every problem with its path', async () => {
        const stream = `${prefix}journey-bad`;
        const bad = { ...workStarted('bad'), id: 'not-a-uuid', occurredAt: '2026-03-01 09:00', data: {} } as unknown as JourneyEvent;
        const err = (await store.append(stream, [workStarted('bad'), bad]).catch((x: unknown) => x)) as InvalidEventError;
        expect(err).toBeInstanceOf(InvalidEventError);
        expect(err.problems.map((p) => p.path).sort()).toEqual(['[1].data.activity', '[1].id', '[1].occurredAt']);
        expect(err.message).toContain('index 1');
        await expect(store.append(stream, [{ type: 'Nope' } as unknown as JourneyEvent])).rejects.toBeInstanceOf(InvalidEventError);
        await expect(store.append(stream, [null as unknown as JourneyEvent])).rejects.toBeInstanceOf(InvalidEventError);
        expect(await store.readStream(stream)).toEqual([]);
      });

      it('refuses a malformed expectedRevision', async () => {
        await expect(store.append(`${prefix}journey-x`, many('x', 1), { expectedRevision: -2 })).rejects.toThrow(/expectedRevision/);
        await expect(store.append(`${prefix}journey-x`, many('x', 1), { expectedRevision: 'latest' as never })).rejects.toThrow(
          /expectedRevision/,
        );
      });
    });

    describe('appendMany', () => {
      it('appends several streams in one call, batches of a stream in order, with the results in batch order', async () => {
        const start = await store.headPosition();
        const a = many('ma', 2);
        const b = [started('mb'), workStarted('mb')];
        const results = await store.appendMany([
          { stream: `${prefix}journey-ma`, events: a, expectedRevision: 'no_stream' },
          { stream: `${prefix}journey-mb`, events: b },
          { stream: `${prefix}journey-ma`, events: many('ma', 1), expectedRevision: 1 },
        ]);
        expect(results.map((r) => r.nextExpectedRevision)).toEqual([1, 1, 2]);
        const written = await collect(store.readAll({ after: start, filter: { streamPrefix: prefix } }));
        expect(written).toHaveLength(5);
        for (const r of results) for (const e of r.events) expect(written.find((w) => w.event.id === e.id)?.position).toBe(e.position);
        expect(ids(await store.readStream(`${prefix}journey-ma`)).slice(0, 2)).toEqual(a.map((e) => e.id));
        expect(ids(await store.readStream(`${prefix}journey-mb`))).toEqual(b.map((e) => e.id));
        expect(await store.eventsAfter(start, { atMost: 100 })).toBeGreaterThanOrEqual(5);
        expect((await store.verify()).ok).toBe(true);
        expect(await store.appendMany([])).toEqual([]);
      });

      it('is idempotent like append: re-sending the same batches appends nothing', async () => {
        const batches = [
          { stream: `${prefix}journey-mh`, events: many('mh', 2), expectedRevision: 'no_stream' as const },
          { stream: `${prefix}journey-mi`, events: many('mi', 1), expectedRevision: 'no_stream' as const },
        ];
        const first = await store.appendMany(batches);
        const again = await store.appendMany(batches);
        expect(again.every((r) => r.events.every((e) => e.duplicate))).toBe(true);
        expect(again.map((r) => r.position)).toEqual(first.map((r) => r.position));
        expect(await store.readStream(`${prefix}journey-mh`)).toHaveLength(2);
      });

      it('checks every batch before writing: one invalid event refuses the call, naming the batch', async () => {
        const bad = { ...workStarted('mf'), department: '' };
        const attempt = store.appendMany([
          { stream: `${prefix}journey-me`, events: many('me', 2) },
          { stream: `${prefix}journey-mf`, events: [workStarted('mf'), bad] },
        ]);
        await expect(attempt).rejects.toBeInstanceOf(InvalidEventError);
        await expect(attempt).rejects.toThrow(/batch 1/);
        await expect(store.appendMany([{ stream: `${prefix}journey-mg`, events: [] }])).rejects.toBeInstanceOf(EmptyBatchError);
        expect(await store.readStream(`${prefix}journey-me`)).toEqual([]);
      });
    });

    describe.runIf(options.atomicAppendMany)('appendMany, atomic across streams', () => {
      it('writes nothing at all when any stream has a wrong expected revision', async () => {
        await store.append(`${prefix}journey-mc`, many('mc', 1));
        const start = await store.headPosition();
        const err = await store
          .appendMany([
            { stream: `${prefix}journey-md`, events: many('md', 3) },
            { stream: `${prefix}journey-mc`, events: many('mc', 1), expectedRevision: 'no_stream' },
          ])
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        expect((err as WrongExpectedRevisionError).stream).toBe(`${prefix}journey-mc`);
        expect(await store.readStream(`${prefix}journey-md`)).toEqual([]);
        expect(await store.readStream(`${prefix}journey-mc`)).toHaveLength(1);
        expect(await store.headPosition()).toBe(start);
        expect(await store.eventsAfter(start)).toBe(0);
        expect((await store.verify()).ok).toBe(true);
      });
    });

    describe('readAllPages (bulk read)', () => {
      it('hands over what readAll does, in pages, with occurredAt as epoch ms', async () => {
        const start = await store.headPosition();
        const events = [
          started('pa', '2026-03-01T09:00:00+01:00'),
          handoff('pa', 'Intake', 'Legal & Compliance', '2026-03-01T10:00:00+01:00'),
          ...many('pa', 2500),
        ];
        await store.append(`${prefix}journey-pa`, events);
        await store.append(`${uniquePrefix('other')}journey-x`, many('x', 2));
        const filter = { streamPrefix: prefix };
        const pages = await collect(store.readAllPages!({ after: start, filter }));
        expect(pages.length).toBeGreaterThan(1);
        const flat = pages.flat();
        const viaReadAll = await collect(store.readAll({ after: start, filter }));
        expect(flat.map((p) => p.position)).toEqual(viaReadAll.map((e) => e.position));
        expect(flat.map((p) => p.event)).toEqual(viaReadAll.map((e) => e.event));
        expect(flat.map((p) => p.occurredMs)).toEqual(viaReadAll.map((e) => Date.parse(e.event.occurredAt)));
        // from a position, bounded
        const some = (await collect(store.readAllPages!({ after: flat[0]!.position, maxCount: 3, filter }))).flat();
        expect(some.map((p) => p.position)).toEqual(flat.slice(1, 4).map((p) => p.position));
        expect(await collect(store.readAllPages!({ after: flat[flat.length - 1]!.position, filter }))).toEqual([]);
      });
    });

    describe('tamper-evident chain', () => {
      it('verifies intact after appends', async () => {
        await store.append(`${prefix}journey-v`, many('v', 5));
        await store.append(`${prefix}journey-v2`, [started('v2')]);
        const result = await store.verify();
        expect(result).toMatchObject({ ok: true, brokenAt: null, reason: null });
        expect(result.checked).toBeGreaterThanOrEqual(6);
      });
    });

    it('keeps an event id unique key on its own: a fresh id is never a duplicate', async () => {
      const e = { ...workStarted('u'), id: randomUUID() };
      const r = await store.append(`${prefix}journey-u`, [e]);
      expect(r.events[0]!.duplicate).toBe(false);
    });
  });
  describeResilienceContract(name, factory, options);
}
