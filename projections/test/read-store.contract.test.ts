import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { DepartmentWorkload, JourneyEvent } from '@journeys/contracts';
import { THROUGHPUT_WINDOW_DAYS, departmentWorkload, handoffAnalytics, processMap, resolveFilter } from '../src/aggregates.ts';
import type { JourneyFacts } from '../src/journey-fold.ts';
import { openReadStore, type PositionedEvent, type ReadStore } from '../src/read-store/read-store.ts';
import { STRETCH, factsAsOf, reference, stretched } from './read-store-support.ts';
import { BASE, arbArrival, arbEvent, arrive } from './arbitraries.ts';
import { uuid } from './support.ts';

/**
 * The read store's contract, run against each way of opening it (a WAL file, memory):
 * given any history delivered in any batches, each batch applied twice, its answers equal
 * the pure folds and aggregates computed over the whole history at once (the reference
 * the in-heap design used to serve), for the live figures and for a replay at any instant.
 */
const dir = mkdtempSync(join(tmpdir(), 'journeys-read-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const ADAPTERS: [string, () => ReadStore][] = [
  ['SQLite file (WAL)', () => openReadStore({ path: join(dir, `r${++files}.db`), clock: () => NOW })],
  ['SQLite in memory', () => openReadStore({ path: ':memory:', clock: () => NOW })],
];

// Spread the generated instants over ~5 weeks, so that days and a month boundary are crossed.
const NOW = BASE + 41 * 3_600_000 * STRETCH;



/** The documented throughput: completions on the last THROUGHPUT_WINDOW_DAYS UTC days, today included. */
function withDayThroughput(rows: DepartmentWorkload[], facts: JourneyFacts[], now: number): DepartmentWorkload[] {
  const today = Math.floor(now / 86_400_000);
  const counts = new Map<string, number>();
  for (const f of facts) {
    for (const s of f.steps) {
      if (s.completedAt === null || s.completedAt > now) continue;
      const day = Math.floor(s.completedAt / 86_400_000);
      if (day > today - THROUGHPUT_WINDOW_DAYS && day <= today) counts.set(s.department, (counts.get(s.department) ?? 0) + 1);
    }
  }
  return rows.map((r) => ({ ...r, throughputPerDay: (counts.get(r.department) ?? 0) / THROUGHPUT_WINDOW_DAYS }));
}

const round = (x: unknown): unknown =>
  JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e6) / 1e6 : v)));

describe.each(ADAPTERS)('read store contract: %s', (_name, open) => {
  it('equals the pure fold of the whole history, whatever the batches, each applied twice', () => {
    fc.assert(
      fc.property(
        fc.array(arbEvent, { minLength: 1, maxLength: 40 }).chain((raw) => fc.tuple(fc.constant(raw), arbArrival(raw.length), fc.nat({ max: 41 }))),
        ([raw, arrival, replayHour]) => {
          const stored = raw.map((r, i) => ({ event: stretched(r, i), position: i + 1 }));
          const rs = open();
          try {
            for (const batch of arrive(stored, arrival)) {
              rs.apply(batch);
              expect(rs.apply(batch)).toEqual([]); // idempotent: nothing new the second time
            }
            const { facts, events } = reference(stored);
            const all = resolveFilter(undefined);
            expect(round(rs.handoffs())).toEqual(round(handoffAnalytics(facts, all)));
            expect(round(rs.processMap())).toEqual(round(processMap(facts, all)));
            expect(round(rs.departments())).toEqual(round(withDayThroughput(departmentWorkload(facts, all, NOW), facts, NOW)));
            const claims = resolveFilter({ journeyType: 'claim' });
            expect(round(rs.handoffs({ journeyType: 'claim' }))).toEqual(round(handoffAnalytics(facts, claims)));
            expect(rs.handoffs({ journeyType: 'no such type' })).toEqual({ pairs: [], journeys: 0, handoffs: 0 });

            const at = BASE + replayHour * 3_600_000 * STRETCH + 1234;
            const then = factsAsOf(events, at);
            const replay = rs.replay(new Date(at).toISOString());
            expect(round(replay.handoffs)).toEqual(round(handoffAnalytics(then, all)));
            expect(round(replay.processMap)).toEqual(round(processMap(then, all)));
            expect(round(replay.departments)).toEqual(round(withDayThroughput(departmentWorkload(then, all, at), then, at)));
            expect(replay.journeys.total).toBe(then.length);
            expect(replay.journeys.completed).toBe(then.filter((f) => f.completedAt !== null).length);
          } finally {
            rs.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps percentiles within the sketch accuracy and counts, sums and extremes exact past the raw limit', () => {
    // given 3 000 handoffs on one pair, over many days, with delays spanning six orders of magnitude
    const rs = open();
    const delays: number[] = [];
    const batch: PositionedEvent[] = [];
    let position = 0;
    for (let i = 0; i < 3000; i++) {
      const t0 = BASE + i * 600_000;
      const delay = Math.round(1000 * Math.exp((i * 7919) % 3000 / 3000 * 14)); // 1 s … ~14 days
      delays.push(delay / 1000);
      const j = `j${i}`;
      batch.push({ position: ++position, event: { id: uuid(500_000 + 2 * i), type: 'HandoffRequested', journeyId: j, department: 'A', occurredAt: new Date(t0).toISOString(), schemaVersion: 1, data: { toDepartment: 'B' } } });
      batch.push({ position: ++position, event: { id: uuid(500_001 + 2 * i), type: 'WorkStarted', journeyId: j, department: 'B', occurredAt: new Date(t0 + delay).toISOString(), schemaVersion: 1, data: { activity: 'x' } } });
    }
    // applied in three batches, the middle one twice
    rs.apply(batch.slice(0, 2000));
    rs.apply(batch.slice(2000, 4000));
    rs.apply(batch.slice(2000, 4000));
    rs.apply(batch.slice(4000));
    const pair = rs.handoffs().pairs[0]!;
    const sorted = [...delays].sort((a, b) => a - b);
    const q = (p: number) => {
      const pos = (sorted.length - 1) * p;
      const lo = Math.floor(pos);
      return sorted[lo]! + (sorted[Math.ceil(pos)]! - sorted[lo]!) * (pos - lo);
    };
    expect(pair.count).toBe(3000);
    expect(pair.sum).toBeCloseTo(delays.reduce((a, b) => a + b, 0), 3);
    expect(pair.min).toBe(sorted[0]);
    expect(pair.max).toBe(sorted[sorted.length - 1]);
    for (const [ours, p] of [[pair.p50, 0.5], [pair.p90, 0.9], [pair.p99, 0.99]] as const) {
      expect(Math.abs(ours - q(p)) / q(p)).toBeLessThanOrEqual(0.005);
    }
    rs.close();
  });
});

describe('one read store file shared by several processes', () => {
  it('stays equal to the reference when two writers apply overlapping batches, and both hear every change', () => {
    // given two connections to one file (two `journey serve` processes on one machine)
    const path = join(dir, 'shared.db');
    const a = openReadStore({ path, clock: () => NOW });
    const b = openReadStore({ path, clock: () => NOW });
    const heardByB: string[] = [];
    b.onChange((c) => c.kind === 'journey' && heardByB.push(c.journeyId));
    const raw = fc.sample(fc.array(arbEvent, { minLength: 30, maxLength: 30 }), { numRuns: 1, seed: 42 })[0]!;
    const stored = raw.map((r, i) => ({ event: stretched(r, i), position: i + 1 }));
    // when each applies every batch, in turns, A first
    for (let i = 0; i < stored.length; i += 10) {
      const batch = stored.slice(i, i + 10);
      a.apply(batch);
      b.apply(batch);
    }
    // then both answer what one writer would, and B heard of journeys A wrote first
    const { facts } = reference(stored);
    const all = resolveFilter(undefined);
    expect(round(b.handoffs())).toEqual(round(handoffAnalytics(facts, all)));
    expect(round(a.processMap())).toEqual(round(processMap(facts, all)));
    expect(round(b.processMap())).toEqual(round(processMap(facts, all)));
    expect(new Set(heardByB)).toEqual(new Set(stored.map((s) => s.event.journeyId)));
    expect(a.position).toBe(30);
    expect(b.position).toBe(30);
    a.close();
    b.close();
  });
});

describe('read store: rewriting journeys after an erasure', () => {
  it('keeps no byte of the erased fields in the file, changes no figure, and a second rewrite changes nothing', async () => {
    const { readFileSync, existsSync } = await import('node:fs');
    const path = join(dir, 'erase.db');
    const rs = openReadStore({ path, clock: () => NOW });
    const secretActor = 'Zoë Erasable-Person';
    const secretReason = 'customer said: my account 0042-SECRET';
    const t = (m: number) => new Date(BASE + m * 60_000).toISOString();
    const base = (i: number, dept: string, m: number) => ({ id: uuid(90_000 + i), journeyId: 'erase-1', department: dept, occurredAt: t(m), schemaVersion: 1 });
    const events: JourneyEvent[] = [
      { ...base(0, 'intake', 0), type: 'JourneyStarted', data: { journeyType: 'claim', channel: 'web', customerRef: 'c-9' } },
      { ...base(1, 'intake', 5), type: 'WorkStarted', actor: secretActor, data: { activity: 'check' } },
      { ...base(2, 'intake', 9), type: 'HandoffRequested', actor: secretActor, data: { toDepartment: 'legal', reason: secretReason } },
      { ...base(3, 'legal', 30), type: 'WorkStarted', data: { activity: 'review' } },
      // A row longer than a page (overflow pages freed and taken again on every batch).
      ...Array.from({ length: 80 }, (_, k) => ({ ...base(4 + k, 'legal', 31 + k), type: 'WorkCompleted', actor: secretActor, data: { activity: `review ${k}` } })),
    ] as JourneyEvent[];
    // One event per batch, as live: each batch rewrites the journey's row, and every older
    // version of it (with the actor and the reason) leaves its bytes where it was.
    events.forEach((event, i) => rs.apply([{ event, position: i + 1 }]));
    const before = { handoffs: rs.handoffs(), map: rs.processMap() };
    expect(JSON.stringify(rs.timeline('erase-1'))).toContain(secretActor);

    // when the store gives the events back with the personal fields erased
    const erased = events.map((e) => {
      const copy: JourneyEvent & { actor?: string; data: Record<string, unknown> } = structuredClone(e);
      if (copy.actor !== undefined) copy.actor = '[erased]';
      if (copy.data.reason !== undefined) copy.data.reason = '[erased]';
      return copy;
    });
    expect(rs.rewrite(erased.map((event, i) => ({ event, position: i + 1 })))).toEqual(['erase-1']);

    // then the timeline says [erased], the figures are the same, and the file holds neither value
    const timeline = JSON.stringify(rs.timeline('erase-1'));
    expect(timeline).not.toContain(secretActor);
    expect(timeline).toContain('[erased]');
    expect(rs.handoffs()).toEqual(before.handoffs);
    expect(rs.processMap()).toEqual(before.map);
    expect(rs.position).toBe(events.length);
    expect(rs.rewrite(erased.map((event, i) => ({ event, position: i + 1 })))).toEqual([]);
    for (const file of [path, `${path}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from(secretActor, 'utf8')), file).toBe(false);
      expect(bytes.includes(Buffer.from('0042-SECRET', 'utf8')), file).toBe(false);
    }
    rs.close();
  });
});
