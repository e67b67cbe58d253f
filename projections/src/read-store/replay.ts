import type Database from 'better-sqlite3';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import type { JourneyFacts } from '../journey-fold.ts';
import { foldJourney } from '../journey-fold.ts';
import type { CellReader } from './cells.ts';
import type { Contributions, KindCode } from './contributions.ts';
import { DAY_MS, DISTRIBUTION_KINDS, contributionsOf } from './contributions.ts';
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
  facts: JourneyFacts[];
}

export function asOf(db: Database.Database, reader: CellReader, names: Names, filter: CellFilter, at: number, calendars?: CalendarSet): AsOf {
  const cals = calendars?.configured ? calendars : undefined;
  const day = Math.floor(at / DAY_MS);
  const dayStart = day * DAY_MS;
  const stored = storedCells(reader, filter);
  const rows = db
    .prepare(
      `SELECT j.journey_id AS journeyId, j.jt AS jt, j.events AS events FROM journey_spans s JOIN journeys j ON j.jid = s.jid
       WHERE s.t1 >= ? AND s.t0 <= ?`,
    )
    .all(dayStart, at) as { journeyId: string; jt: number; events: string }[];
  const removed: Contributions[] = [];
  const added: Contributions[] = [];
  const facts: JourneyFacts[] = [];
  const open: OpenRow[] = [];
  for (const r of rows) {
    if (filter.jt === null || (filter.jt !== undefined && r.jt !== filter.jt)) continue;
    const events = decodeEvents(r.events, names);
    const full = foldJourney(r.journeyId, events, cals ? { calendars: cals } : {});
    removed.push(contributionsOf(full, events, cals));
    let n = 0;
    while (n < events.length && events[n]!.t <= at) n++;
    if (n === 0) continue;
    const upTo = events.slice(0, n);
    const then = foldJourney(r.journeyId, upTo, { traceContinues: n < events.length, ...(cals ? { calendars: cals } : {}) });
    facts.push(then);
    added.push(contributionsOf(then, upTo, cals));
    for (const h of hereRowsOf(then)) {
      open.push({ journeyId: then.journeyId, department: h.department, kind: h.kind, since: h.since, startedAt: then.startedAt, promisedBy: then.promisedBy });
    }
  }

  const cells: CellSource = (kind: KindCode, days?: [number, number]) => {
    const range = days ?? filter.days ?? [MIN_DAY, day + 1];
    const lo = range[0];
    const hi = Math.min(range[1], day + 1);
    const out: Merged = hi > lo && lo < day ? stored(kind, [lo, Math.min(hi, day)]) : new Map();
    const apply = (list: Contributions[], sign: 1 | -1, maxDay: number): void => {
      for (const contrib of list) {
        for (const c of contrib.values()) {
          if (c.kind !== kind || c.day < lo || c.day >= maxDay) continue;
          const a = names.find(c.a);
          const b = names.find(c.b);
          if (a === undefined || b === undefined) continue;
          const key = `${a},${b}`;
          let m = out.get(key);
          if (!m) out.set(key, (m = { a, b, n: 0, dist: DISTRIBUTION_KINDS.has(kind) ? emptyDistribution() : null }));
          m.n += sign * c.w;
          if (DISTRIBUTION_KINDS.has(kind)) {
            m.dist ??= emptyDistribution();
            for (const v of c.vals) (sign > 0 ? addValue : removeValue)(m.dist, v);
          }
          if (m.n <= 0) out.delete(key);
        }
      }
    };
    apply(removed, -1, Math.min(hi, day));
    apply(added, 1, hi);
    return out;
  };
  return { cells, open, facts };
}
