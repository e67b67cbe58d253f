import type Database from 'better-sqlite3';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import type { JourneyFacts } from '../journey-fold.ts';
import { foldJourney } from '../journey-fold.ts';
import type { CellReader } from './cells.ts';
import type { KindCode } from './contributions.ts';
import { DAY_MS, DISTRIBUTION_KINDS, WEIGHTED_KINDS, contributionsOf, diffContributions } from './contributions.ts';
import { emptyDistribution, addValue, removeValue } from './distribution.ts';
import type { CellSource, Merged, OpenRow } from './analytics.ts';
import { storedCells } from './analytics.ts';
import { decodeEvents } from './event-codec.ts';
import type { CellFilter } from './filters.ts';
import { MIN_DAY } from './filters.ts';
import { hereRowsOf } from './journey-rows.ts';
import type { Names } from './names.ts';

/**
 * The analytics as they stood at an instant `at`, without scanning the history:
 *
 *   every cell of the days before at's day        (what the stored cells say)
 * − the stored contributions to those days of the journeys whose span meets [day start, at]
 * + those journeys' contributions refolded from their own events up to `at`.
 *
 * A journey whose span ends before at's day contributed everything it ever will before
 * that day, so the stored cells hold it exactly; one that starts after `at` is in no cell
 * before at's day. The journeys refolded are found by the span index: those active during
 * at's day (open ones included), so memory follows the work in progress then.
 */
export interface AsOf {
  cells: CellSource;
  open: OpenRow[];
  /** The active journeys as they stood at `at` (only when asked: `keepFacts`). */
  facts: JourneyFacts[];
}

/** Per (kind, a, b, day): the change the journeys active at `at` make to the stored sums. */
interface Adjustment {
  kind: number;
  a: string;
  b: string;
  day: number;
  n: number;
  added: number[];
  removed: number[];
}

/**
 * Streams the active journeys once: each is folded whole and up to `at`, and only the
 * difference of the two folds' contributions before at's day (usually a few values: the
 * items that straddle `at`) and the truncated fold's contributions on at's day are kept.
 * Memory follows those differences, not the journeys.
 */
export function asOf(
  db: Database.Database,
  reader: CellReader,
  names: Names,
  filter: CellFilter,
  at: number,
  calendars?: CalendarSet,
  options: { keepFacts?: boolean } = {},
): AsOf {
  const cals = calendars?.configured ? calendars : undefined;
  const fold = cals ? { calendars: cals } : {};
  const day = Math.floor(at / DAY_MS);
  const dayStart = day * DAY_MS;
  const stored = storedCells(reader, filter);
  const rows = db
    .prepare(
      `SELECT j.journey_id AS journeyId, j.jt AS jt, j.events AS events FROM journey_spans s JOIN journeys j ON j.jid = s.jid
       WHERE s.t1 >= ? AND s.t0 <= ?`,
    )
    .iterate(dayStart, at) as Iterable<{ journeyId: string; jt: number; events: string }>;
  const adjustments = new Map<string, Adjustment>();
  const adjust = (kind: number, a: string, b: string, d: number, n: number, added: readonly number[], removed: readonly number[]): void => {
    if (WEIGHTED_KINDS.has(kind)) return; // the estimates' samples are not replayed
    const key = `${kind}\u0000${a}\u0000${b}\u0000${d}`;
    let adj = adjustments.get(key);
    if (!adj) adjustments.set(key, (adj = { kind, a, b, day: d, n: 0, added: [], removed: [] }));
    adj.n += n;
    for (const v of added) adj.added.push(v);
    for (const v of removed) adj.removed.push(v);
  };
  const facts: JourneyFacts[] = [];
  const open: OpenRow[] = [];
  for (const r of rows) {
    if (filter.jt === null || (filter.jt !== undefined && r.jt !== filter.jt)) continue;
    const events = decodeEvents(r.events, names);
    let n = 0;
    while (n < events.length && events[n]!.t <= at) n++;
    if (n === 0) continue;
    const full = foldJourney(r.journeyId, events, fold);
    const fullContrib = contributionsOf(full, events, cals, { map: false });
    let then = full;
    let thenContrib = fullContrib;
    if (n < events.length) {
      const upTo = events.slice(0, n);
      then = foldJourney(r.journeyId, upTo, { ...fold, traceContinues: true });
      thenContrib = contributionsOf(then, upTo, cals, { map: false });
    }
    // Before at's day the stored cells hold the whole journey: swap in what it was then.
    if (then !== full) {
      for (const d of diffContributions(fullContrib, thenContrib)) {
        if (d.day < day) adjust(d.kind, d.a, d.b, d.day, d.w, d.added, d.removed);
      }
    }
    // At's day is read from these journeys alone (the stored day cell holds what came after `at`).
    for (const c of thenContrib.values()) if (c.day === day) adjust(c.kind, c.a, c.b, c.day, c.w, c.vals, []);
    if (options.keepFacts) facts.push(then);
    for (const h of hereRowsOf(then)) {
      open.push({ journeyId: then.journeyId, department: h.department, kind: h.kind, since: h.since, startedAt: then.startedAt, promisedBy: then.promisedBy });
    }
  }
  const byKind = new Map<number, Adjustment[]>();
  for (const adj of adjustments.values()) {
    let list = byKind.get(adj.kind);
    if (!list) byKind.set(adj.kind, (list = []));
    list.push(adj);
  }

  const cells: CellSource = (kind: KindCode, days?: [number, number]) => {
    const range = days ?? filter.days ?? [MIN_DAY, day + 1];
    const lo = range[0];
    const hi = Math.min(range[1], day + 1);
    const out: Merged = hi > lo && lo < day ? stored(kind, [lo, Math.min(hi, day)]) : new Map<string, Merged extends Map<string, infer V> ? V : never>();
    const isDist = DISTRIBUTION_KINDS.has(kind);
    for (const adj of byKind.get(kind) ?? []) {
      if (adj.day < lo || adj.day >= hi) continue;
      const a = names.find(adj.a);
      const b = names.find(adj.b);
      if (a === undefined || b === undefined) continue;
      const key = `${a},${b}`;
      let m = out.get(key);
      if (!m) out.set(key, (m = { a, b, n: 0, dist: isDist ? emptyDistribution() : null }));
      m.n += adj.n;
      if (isDist) {
        m.dist ??= emptyDistribution();
        for (const v of adj.removed) removeValue(m.dist, v);
        for (const v of adj.added) addValue(m.dist, v);
      }
    }
    for (const [key, m] of out) if (m.n <= 0) out.delete(key);
    return out;
  };
  return { cells, open, facts };
}
