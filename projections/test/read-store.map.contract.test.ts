import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { variantId, type DepartmentFocus, type JourneyEvent, type ProcessMap } from '@journeys/contracts';
import { THROUGHPUT_WINDOW_DAYS, resolveFilter } from '../src/aggregates.ts';
import { departmentFocus } from '../src/focus.ts';
import type { JourneyFacts } from '../src/journey-fold.ts';
import type { ProjectedEvent } from '../src/projected-event.ts';
import type { JourneySelection } from '../src/queries.ts';
import { processMapGrouped, regroup } from '../src/rollup.ts';
import { selectPage, selects } from '../src/selection.ts';
import { departmentPath, variants } from '../src/variants.ts';
import { processMapFrom, summariseOpen, type Merged, type OpenRow } from '../src/read-store/analytics.ts';
import { contributionsOf, type KindCode } from '../src/read-store/contributions.ts';
import { addValue, emptyDistribution } from '../src/read-store/distribution.ts';
import { hereRowsOf } from '../src/read-store/journey-rows.ts';
import { Names } from '../src/read-store/names.ts';
import { openReadStore, type ReadStore } from '../src/read-store/read-store.ts';
import { createSchema } from '../src/read-store/schema.ts';
import { STRETCH, factsAsOf, reference, stretched } from './read-store-support.ts';
import { BASE, DEPTS, arbArrival, arbEvent, arrive } from './arbitraries.ts';

/**
 * The journey map's queries (variants, selections, roll-up by org unit, department focus)
 * answered by the read store from cells and indexed rows, against the pure folds over the
 * whole history (variants.ts, selection.ts, rollup.ts, focus.ts): any history, any batches,
 * each applied twice, both adapters. Where the read store's documented filter semantics
 * differ from the folds' (from/to: whole UTC days of what happened, not whole journeys by
 * their span; throughput by UTC days), the reference is the fold over what those semantics
 * select.
 */
const dir = mkdtempSync(join(tmpdir(), 'journeys-read-store-map-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const HOUR = 3_600_000 * STRETCH;
const NOW = BASE + 41 * HOUR;
const DAY = 86_400_000;
const ADAPTERS: [string, () => ReadStore][] = [
  ['SQLite file (WAL)', () => openReadStore({ path: join(dir, `m${++files}.db`), clock: () => NOW })],
  ['SQLite in memory', () => openReadStore({ path: ':memory:', clock: () => NOW })],
];




const round = (x: unknown): unknown =>
  JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e6) / 1e6 : v)));

/** A window of whole UTC days as the cells read it (filters.ts). */
function window(fromHour: number, toHour: number): { from: string; to: string; days: [number, number] } {
  const from = BASE + fromHour * HOUR + 777;
  const to = BASE + toHour * HOUR + 777;
  const lo = Math.floor(from / DAY);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), days: [lo, Math.max(lo, Math.ceil(to / DAY))] };
}
const inDays = (t: number, days: [number, number]) => Math.floor(t / DAY) >= days[0] && Math.floor(t / DAY) < days[1];

/** The focus's workload with the read store's throughput rule (completions on the last 7 UTC days). */
function dayThroughput(focus: DepartmentFocus, facts: JourneyFacts[], now: number): DepartmentFocus {
  if (!focus.workload) return focus;
  const today = Math.floor(now / DAY);
  let n = 0;
  for (const f of facts) {
    for (const s of f.steps) {
      if (s.department !== focus.department || s.completedAt === null || s.completedAt > now) continue;
      const day = Math.floor(s.completedAt / DAY);
      if (day > today - THROUGHPUT_WINDOW_DAYS && day <= today) n++;
    }
  }
  return { ...focus, workload: { ...focus.workload, throughputPerDay: n / THROUGHPUT_WINDOW_DAYS } };
}

/**
 * The rolled-up map over a window, by the documented rule: each journey's contributions as
 * if its departments were their units (its facts regrouped, its events renamed), summed over
 * the window's days and drawn as the map draws cells. Members as the fold has them.
 */
function groupedInWindow(facts: JourneyFacts[], events: Map<string, ProjectedEvent[]>, groups: Record<string, string>, days: [number, number], jt: string | null, now: number, members: ProcessMap): ProcessMap {
  const db = new Database(':memory:');
  createSchema(db);
  const names = new Names(db);
  const unit = (d: string) => (Object.hasOwn(groups, d) ? groups[d]! : d);
  const sums = new Map<KindCode, Merged>();
  const open: OpenRow[] = [];
  for (const f of facts) {
    if (jt !== null && f.journeyType !== jt) continue;
    const g = regroup(f, unit);
    const renamed = events.get(f.journeyId)!.map((e) => ({ ...e, department: unit(e.department) }));
    for (const c of contributionsOf(g, renamed).values()) {
      if (c.day < days[0] || c.day >= days[1]) continue;
      let m = sums.get(c.kind);
      if (!m) sums.set(c.kind, (m = new Map()));
      const a = names.id(c.a);
      const b = names.id(c.b);
      let v = m.get(`${a},${b}`);
      if (!v) m.set(`${a},${b}`, (v = { a, b, n: 0, dist: null }));
      v.n += c.w;
      for (const x of c.vals) addValue((v.dist ??= emptyDistribution()), x);
    }
    for (const h of hereRowsOf(g)) open.push({ journeyId: g.journeyId, department: h.department, kind: h.kind, since: h.since, startedAt: g.startedAt, promisedBy: g.promisedBy });
  }
  const map = processMapFrom((kind) => sums.get(kind) ?? new Map(), summariseOpen(open, now), names);
  db.close();
  const of = new Map(members.departments.map((d) => [d.department, d.members]));
  return { ...map, departments: map.departments.map((d) => ({ ...d, members: of.get(d.department) ?? [d.department] })) };
}

const sortedNewest = (facts: JourneyFacts[]) =>
  [...facts].sort((a, b) => b.startedAt - a.startedAt || (a.journeyId < b.journeyId ? -1 : a.journeyId > b.journeyId ? 1 : 0));

const arbSelection = fc.record(
  {
    journeyType: fc.constantFrom('claim', 'no such type'),
    department: fc.constantFrom(...DEPTS),
    variant: fc.nat({ max: 5 }),
    handoffFrom: fc.constantFrom(...DEPTS),
    handoffTo: fc.constantFrom(...DEPTS),
    activeAt: fc.integer({ min: -1, max: 42 }),
  },
  { requiredKeys: [] },
);
const arbCase = fc.array(arbEvent, { minLength: 1, maxLength: 40 }).chain((raw) =>
  fc.tuple(
    fc.constant(raw),
    arbArrival(raw.length),
    fc.record({
      units: fc.array(fc.constantFrom('U1', 'U2', ''), { minLength: DEPTS.length, maxLength: DEPTS.length }),
      from: fc.nat({ max: 41 }),
      span: fc.nat({ max: 41 }),
      pastHour: fc.nat({ max: 41 }),
      selections: fc.array(arbSelection, { minLength: 1, maxLength: 4 }),
      pageSize: fc.integer({ min: 1, max: 3 }),
      limit: fc.integer({ min: 1, max: 4 }),
    }),
  ),
);

describe.each(ADAPTERS)('journey map from the read store: %s', (_name, open) => {
  it('equals the pure folds of the whole history, whatever the batches, each applied twice', () => {
    fc.assert(
      fc.property(arbCase, ([raw, arrival, c]) => {
        const stored = raw.map((r, i) => ({ event: stretched(r, i), position: i + 1 }));
        const rs = open();
        try {
          for (const batch of arrive(stored, arrival)) {
            rs.apply(batch);
            expect(rs.apply(batch)).toEqual([]);
          }
          const { facts, events } = reference(stored);
          const all = resolveFilter(undefined);
          const w = window(c.from, c.from + c.span);
          const started = facts.filter((f) => inDays(f.startedAt, w.days));

          // variants: whole history, a type, a department, a window (journeys started in it), a limit
          expect(round(rs.variants({}, 1000))).toEqual(round(variants(facts, all, 1000)));
          expect(round(rs.variants({ journeyType: 'claim' }, c.limit))).toEqual(round(variants(facts, resolveFilter({ journeyType: 'claim' }), c.limit)));
          expect(rs.variants({ journeyType: 'no such type' }).journeys).toBe(0);
          for (const d of [...DEPTS, 'nowhere']) {
            expect(round(rs.variants({ department: d }, 1000))).toEqual(round(variants(facts, { ...all, department: d }, 1000)));
          }
          expect(round(rs.variants({ from: w.from, to: w.to }, 1000))).toEqual(round(variants(started, all, 1000)));
          expect(round(rs.variants({ from: w.from, to: w.to, department: DEPTS[c.from % DEPTS.length]! }, 1000))).toEqual(
            round(variants(started, { ...all, department: DEPTS[c.from % DEPTS.length]! }, 1000)),
          );

          // selections, paged to the end: the fold's journeys in the fold's order, page by page
          const sorted = sortedNewest(facts);
          const ids = [...new Set(facts.map((f) => variantId(departmentPath(f))))];
          for (const s of c.selections) {
            const selection: JourneySelection = {
              ...(s.journeyType !== undefined ? { journeyType: s.journeyType } : {}),
              ...(s.department !== undefined ? { department: s.department } : {}),
              ...(s.variant !== undefined ? { variant: ids[s.variant] ?? 'no-such-variant' } : {}),
              ...(s.handoffFrom !== undefined ? { handoffFrom: s.handoffFrom } : {}),
              ...(s.handoffTo !== undefined ? { handoffTo: s.handoffTo } : {}),
              ...(s.activeAt !== undefined ? { activeAt: new Date(BASE + s.activeAt * HOUR + 999).toISOString() } : {}),
            };
            const expected = sorted.filter((f) => selects(f, selection)).map((f) => f.journeyId);
            const got: string[] = [];
            let cursor: string | undefined;
            for (let guard = 0; guard < 100; guard++) {
              const page = rs.selectJourneys(selection, { ...(cursor ? { cursor } : {}), limit: c.pageSize });
              expect(page.items.length).toBeLessThanOrEqual(c.pageSize);
              expect(page.items).toEqual(selectPage(sorted, selection, { ...(cursor ? { cursor } : {}), limit: c.pageSize }, NOW).items);
              got.push(...page.items.map((j) => j.journeyId));
              if (page.nextCursor === null) break;
              expect(page.items).toHaveLength(c.pageSize);
              cursor = page.nextCursor;
            }
            expect(got).toEqual(expected);
          }

          // roll-up by org unit: whole history and a type (the fold), a window (the documented rule)
          const groups: Record<string, string> = {};
          DEPTS.forEach((d, i) => {
            if (c.units[i]) groups[d] = c.units[i]!;
          });
          const whole = processMapGrouped(facts, groups, all);
          expect(round(rs.processMapGrouped(groups))).toEqual(round(whole));
          expect(round(rs.processMapGrouped(groups, { journeyType: 'claim' }))).toEqual(round(processMapGrouped(facts, groups, resolveFilter({ journeyType: 'claim' }))));
          expect(round(rs.processMapGrouped(groups, { from: w.from, to: w.to }))).toEqual(round(groupedInWindow(facts, events, groups, w.days, null, NOW, whole)));

          // focus: now, a type, a limit, a past instant (replay), a window (the map's figures)
          const at = BASE + c.pastHour * HOUR + 1234;
          const then = factsAsOf(events, at);
          const claims = facts.filter((f) => f.journeyType === 'claim');
          for (const d of [...DEPTS, 'nowhere']) {
            expect(round(rs.departmentFocus(d, {}, c.limit))).toEqual(round(dayThroughput(departmentFocus(facts, d, all, NOW, c.limit), facts, NOW)));
            expect(round(rs.departmentFocus(d, { journeyType: 'claim' }))).toEqual(round(dayThroughput(departmentFocus(facts, d, resolveFilter({ journeyType: 'claim' }), NOW), claims, NOW)));
            expect(round(rs.departmentFocus(d, { now: new Date(at).toISOString() }, c.limit))).toEqual(round(dayThroughput(departmentFocus(then, d, all, at, c.limit), then, at)));
            const focus = rs.departmentFocus(d, { from: w.from, to: w.to });
            const map = rs.processMap({ from: w.from, to: w.to });
            const node = map.departments.find((x) => x.department === d);
            expect(focus.journeys).toBe(node?.journeys ?? 0);
            expect(round(focus.work)).toEqual(round(node?.work ?? focus.work));
            expect(round(focus.incoming.map((e) => [e.from, e.count, e.delay, e.pingPong]).sort())).toEqual(
              round(map.edges.filter((e) => e.to === d).map((e) => [e.from, e.count, e.delay, e.pingPong]).sort()),
            );
          }
        } finally {
          rs.close();
        }
      }),
      { numRuns: 120 },
    );
  });
});

describe('journey map: what the read store keeps for it', () => {
  it('selects by every field without reading journeys outside the page and the driving range', () => {
    // given two journeys that hand off A → B, one of them on to C
    const rs = openReadStore({ path: ':memory:', clock: () => NOW });
    const at = (h: number) => new Date(BASE + h * 3_600_000).toISOString();
    const e = (id: number, journeyId: string, type: string, department: string, h: number, data: object) =>
      ({ id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`, type, journeyId, department, occurredAt: at(h), schemaVersion: 1, data }) as JourneyEvent;
    rs.apply(
      [
        e(1, 'x', 'JourneyStarted', 'A', 0, { journeyType: 'claim', channel: 'web', customerRef: 'c' }),
        e(2, 'x', 'HandoffRequested', 'A', 1, { toDepartment: 'B' }),
        e(3, 'x', 'WorkStarted', 'B', 2, { activity: 'b' }),
        e(4, 'y', 'JourneyStarted', 'A', 3, { journeyType: 'claim', channel: 'web', customerRef: 'c' }),
        e(5, 'y', 'HandoffRequested', 'A', 4, { toDepartment: 'B' }),
        e(6, 'y', 'WorkStarted', 'B', 5, { activity: 'b' }),
        e(7, 'y', 'HandoffRequested', 'B', 6, { toDepartment: 'C' }),
        e(8, 'y', 'JourneyCompleted', 'B', 7, { outcome: 'done' }),
      ].map((event, i) => ({ event, position: i + 1 })),
    );
    const ids = (s: JourneySelection) => rs.selectJourneys(s, { limit: 10 }).items.map((j) => j.journeyId);
    // then each field selects by its table, newest first
    expect(ids({ handoffFrom: 'A', handoffTo: 'B' })).toEqual(['y', 'x']);
    expect(ids({ handoffTo: 'C' })).toEqual(['y']);
    expect(ids({ handoffFrom: 'B' })).toEqual(['y']);
    expect(ids({ variant: variantId(['A', 'B', 'C']) })).toEqual(['y']);
    expect(ids({ variant: variantId(['A', 'B']), handoffFrom: 'A' })).toEqual(['x']);
    expect(ids({ activeAt: at(6.5) })).toEqual(['y', 'x']);
    expect(ids({ activeAt: at(7.5) })).toEqual(['x']);
    expect(ids({ activeAt: at(7.5), department: 'B', journeyType: 'claim' })).toEqual(['x']);
    expect(ids({ department: 'C' })).toEqual([]);
    // and a late event that moves a journey's variant moves its rows
    rs.apply([{ event: e(9, 'x', 'HandoffRequested', 'B', 2.5, { toDepartment: 'C' }), position: 9 }]);
    expect(ids({ variant: variantId(['A', 'B', 'C']) })).toEqual(['y', 'x']);
    expect(ids({ variant: variantId(['A', 'B']) })).toEqual([]);
    expect(rs.variants().variants.map((v) => [v.path, v.count])).toEqual([[['A', 'B', 'C'], 2]]);
    expect(() => rs.selectJourneys({ handoffTo: 'C' }, { cursor: 'not a cursor', limit: 1 })).toThrow(/invalid cursor/);
    rs.close();
  });

  it('counts ping-pong between units by the units, not the departments', () => {
    // given A1 → A2 inside unit A, then B → A1 and A1 → B, B → A2: only handoffs between units count
    const rs = openReadStore({ path: ':memory:', clock: () => NOW });
    const at = (h: number) => new Date(BASE + h * 3_600_000).toISOString();
    let n = 0;
    const e = (type: string, department: string, h: number, data: object) =>
      ({ id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, type, journeyId: 'p', department, occurredAt: at(h), schemaVersion: 1, data }) as JourneyEvent;
    const history = [
      e('JourneyStarted', 'A1', 0, { journeyType: 'claim', channel: 'web', customerRef: 'c' }),
      e('HandoffRequested', 'A1', 1, { toDepartment: 'A2' }),
      e('WorkStarted', 'A2', 2, { activity: 'x' }),
      e('HandoffRequested', 'B', 3, { toDepartment: 'A1' }),
      e('WorkStarted', 'A1', 4, { activity: 'y' }),
      e('HandoffRequested', 'A1', 5, { toDepartment: 'B' }),
      e('WorkStarted', 'B', 6, { activity: 'z' }),
      e('HandoffRequested', 'B', 7, { toDepartment: 'A2' }),
      e('WorkStarted', 'A2', 8, { activity: 'x' }),
    ].map((event, i) => ({ event, position: i + 1 }));
    rs.apply(history);
    const groups = { A1: 'A', A2: 'A' };
    const { facts } = reference(history);
    const map = rs.processMapGrouped(groups);
    // then the first B → A is no ping-pong (A was only left inside itself), the second is
    // (A had been left for B), and A → B is (B had been left for A)
    expect(map.edges.map((x) => [x.from, x.to, x.count, x.pingPong])).toEqual([
      ['B', 'A', 2, 1],
      ['A', 'B', 1, 1],
    ]);
    expect(round(map)).toEqual(round(processMapGrouped(facts, groups, resolveFilter(undefined))));
    expect(map.departments.find((d) => d.department === 'A')).toMatchObject({ journeys: 1, members: ['A1', 'A2'] });
    rs.close();
  });
});
