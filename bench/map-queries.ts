/**
 * `node --import tsx bench/map-queries.ts [--events 100000] [--runs 20]`: the journey-map
 * queries (variants, selections, roll-up by unit, department focus) per request on a
 * simulated history, as the read store answers them (cells and indexed rows) beside what
 * the code before answered them with (every journey's row decoded and folded, then the pure
 * folds of variants.ts, selection.ts, rollup.ts and focus.ts), in the same process.
 *
 * Each request follows a one-event live batch, so no answer comes from the per-checkpoint
 * cache: that is the cost after every live batch. Not a `*.bench.ts` (nothing to compare
 * with a peer project); prints a table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { JourneyEvent } from '../contracts/src/index.ts';
import { generateJourneys } from '../services/simulator/src/index.ts';
import { resolveFilter } from '../projections/src/aggregates.ts';
import { departmentFocus } from '../projections/src/focus.ts';
import { foldJourney, type JourneyFacts } from '../projections/src/journey-fold.ts';
import { processMapGrouped } from '../projections/src/rollup.ts';
import { selectPage } from '../projections/src/selection.ts';
import { variants } from '../projections/src/variants.ts';
import { decodeEvents } from '../projections/src/read-store/event-codec.ts';
import { Names } from '../projections/src/read-store/names.ts';
import { openReadStore, type PositionedEvent } from '../projections/src/read-store/read-store.ts';

// better-sqlite3 is the projections' dependency, not the workspace root's.
interface Db {
  prepare(sql: string): { iterate(): Iterable<unknown>; get(): unknown };
  close(): void;
}
const Database = createRequire(new URL('../projections/package.json', import.meta.url))('better-sqlite3') as new (path: string, options: { readonly: boolean }) => Db;
const argv = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const EVENTS = opt('--events', 100_000);
const RUNS = opt('--runs', 20);
const dir = mkdtempSync(join(tmpdir(), 'journeys-map-queries-'));
const path = join(dir, 'read.db');
const log = (s: string) => process.stderr.write(`${s}\n`);

try {
  // the scale bench's history: the simulator, time-ordered, 200 journeys a day
  const bulk = openReadStore({ path, bulk: true });
  let batch: PositionedEvent[] = [];
  let position = 0;
  let last = 0;
  for (const e of generateJourneys({ seed: 7, start: '2023-01-02T00:00:00Z', journeysPerDay: 200 })) {
    batch.push({ event: e, position: ++position });
    last = Math.max(last, Date.parse(e.occurredAt));
    if (batch.length >= 50_000) {
      bulk.apply(batch);
      batch = [];
    }
    if (position >= EVENTS) break;
  }
  bulk.apply(batch);
  bulk.finishBulk();
  const journeys = bulk.journeyCount();
  bulk.close();
  log(`${EVENTS} events, ${journeys} journeys`);

  let now = last + 3_600_000;
  const rs = openReadStore({ path, clock: () => now });
  const map = rs.processMap();
  const depts = map.departments.map((d) => d.department).sort();
  const groups = Object.fromEntries(depts.map((d, i) => [d, `unit-${i % 3}`]));
  const busiest = map.departments[0]!.department;
  const edge = map.edges[0]!;
  const top = rs.variants({}, 1).variants[0]!;
  const past = new Date((Date.parse(rs.variants({}, 1).firstStartedAt!) + last) / 2).toISOString();

  // "Before": every row decoded and folded, as allFacts() did, then the pure fold.
  const db = new Database(path, { readonly: true });
  const names = new Names(db as never);
  const allFacts = (at?: number): JourneyFacts[] => {
    names.reload(db as never); // the live batches add names
    const out: JourneyFacts[] = [];
    for (const r of db.prepare('SELECT journey_id AS id, events FROM journeys').iterate() as Iterable<{ id: string; events: string }>) {
      const events = decodeEvents(r.events, names);
      if (at === undefined) out.push(foldJourney(r.id, events));
      else {
        let n = 0;
        while (n < events.length && events[n]!.t <= at) n++;
        if (n > 0) out.push(foldJourney(r.id, events.slice(0, n), { traceContinues: n < events.length }));
      }
    }
    return out;
  };
  const sorted = () => allFacts().sort((a, b) => b.startedAt - a.startedAt || (a.journeyId < b.journeyId ? -1 : 1));
  const all = resolveFilter(undefined);
  const cases: [string, () => unknown, () => unknown][] = [
    ['variants (all)', () => rs.variants({}, 100), () => variants(allFacts(), all, 100)],
    ['variants (department)', () => rs.variants({ department: busiest }, 100), () => variants(allFacts(), { ...all, department: busiest }, 100)],
    ['select: edge journeys, page of 50', () => rs.selectJourneys({ handoffFrom: edge.from, handoffTo: edge.to }, { limit: 50 }), () => selectPage(sorted(), { handoffFrom: edge.from, handoffTo: edge.to }, { limit: 50 }, now)],
    ['select: variant, page of 50', () => rs.selectJourneys({ variant: top.id }, { limit: 50 }), () => selectPage(sorted(), { variant: top.id }, { limit: 50 }, now)],
    ['select: active at mid-history, 50', () => rs.selectJourneys({ activeAt: past }, { limit: 50 }), () => selectPage(sorted(), { activeAt: past }, { limit: 50 }, now)],
    ['process map by unit', () => rs.processMapGrouped(groups), () => processMapGrouped(allFacts(), groups, all)],
    ['focus (now)', () => rs.departmentFocus(busiest, { now: new Date(now).toISOString() }), () => departmentFocus(allFacts(), busiest, all, now)],
    ['focus (mid-history)', () => rs.departmentFocus(busiest, { now: past }), () => departmentFocus(allFacts(Date.parse(past)), busiest, all, Date.parse(past))],
    // not a map query: the replay at the same instant, whose refold the past focus shares
    ['(replay at mid-history)', () => rs.replay(past), () => allFacts(Date.parse(past))],
  ];
  let live = 0;
  const tick = () => {
    // one live event: the checkpoint moves, so no cached answer is reused
    now += 1000;
    const e = { id: randomUUID(), type: 'WorkCompleted', journeyId: `live-${live++ % 50}`, department: busiest, occurredAt: new Date(now).toISOString(), schemaVersion: 1, data: { activity: 'check' } } as JourneyEvent;
    rs.apply([{ event: e, position: ++position }]);
  };
  const time = (f: () => unknown, runs: number) => {
    const wall: number[] = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) {
      tick();
      const t0 = performance.now();
      f();
      wall.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(c0);
    wall.sort((a, b) => a - b);
    return { p50: wall[Math.floor(runs / 2)]!, max: wall[runs - 1]!, cpu: (cpu.user + cpu.system) / 1000 / runs };
  };
  const rows = ['| query | read store p50 / max (ms) | before: fold of every journey p50 / max (ms) |', '|---|---:|---:|'];
  const dayStart = Math.floor(Date.parse(past) / 86_400_000) * 86_400_000;
  const active = (db.prepare(`SELECT COUNT(*) AS n FROM journey_spans WHERE t1 >= ${dayStart} AND t0 <= ${Date.parse(past)}`).get() as { n: number }).n;
  log(`journeys active on the mid-history day (what a past focus refolds): ${active}`);
  for (const [name, ours, before] of cases) {
    const a = time(ours, RUNS);
    const b = time(before, Math.max(3, Math.round(RUNS / 5)));
    rows.push(`| ${name} | ${a.p50.toFixed(1)} / ${a.max.toFixed(1)} | ${b.p50.toFixed(0)} / ${b.max.toFixed(0)} |`);
    log(rows[rows.length - 1]!);
  }
  db.close();
  rs.close();
  process.stdout.write(`\n${EVENTS.toLocaleString('en')} events, ${journeys.toLocaleString('en')} journeys (simulator, seed 7); ${active} active on the mid-history day\n\n${rows.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
