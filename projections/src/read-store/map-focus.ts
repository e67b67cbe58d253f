import type Database from 'better-sqlite3';
import type { DepartmentFocus } from '@journeys/contracts';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import { EMPTY_STATS } from '../stats.ts';
import { foldJourney, type FoldOptions, type JourneyFacts } from '../journey-fold.ts';
import { storedCells, summariseOpen, workloadFrom, type CellSource, type OpenByDept } from './analytics.ts';
import type { CellReader } from './cells.ts';
import { Kind } from './contributions.ts';
import { statsOf } from './distribution.ts';
import { decodeEvents } from './event-codec.ts';
import type { CellFilter } from './filters.ts';
import type { Names } from './names.ts';
import { asOf } from './replay.ts';

/**
 * One department close up (focus.ts is the reference fold), from what the map and the
 * workload already read: its cells (journeys, work, queue, the handoff and ping-pong cells
 * into and out of it), the workload row of `departments()`, and its queue rows — the
 * live `here` rows, or a replay's refolded journeys for a `now` in the past. Only the
 * journeys listed as waiting (at most `limit`) are folded, for the handoff that brought
 * them. Filters as everywhere in the read store: journey type, and events in the window by
 * whole UTC days; who waits there is as of `now`, whatever the window.
 */
export interface QueuedHere {
  journeyId: string;
  since: number;
}

export function focusFrom(input: {
  cells: CellSource;
  open: OpenByDept;
  names: Names;
  department: string;
  now: number;
  /** The journeys queued in the department at `now`, oldest first, at most `limit`, and how many in all. */
  queued: { first: QueuedHere[]; total: number };
  /** The journey as it stood at `now` (for the handoff into the department it waits on). */
  factsOf: (journeyId: string) => JourneyFacts | undefined;
}): DepartmentFocus {
  const { cells, names, department, now } = input;
  const dept = names.find(department);
  const at = (kind: (typeof Kind)[keyof typeof Kind]) => (dept === undefined ? undefined : cells(kind).get(`${dept},1`));
  const work = at(Kind.work);
  const queue = at(Kind.queue);
  const journeys = at(Kind.deptJourneys)?.n ?? 0;

  type Edge = DepartmentFocus['incoming'][number];
  const incoming: Edge[] = [];
  const outgoing: Edge[] = [];
  if (dept !== undefined) {
    const back = new Map<string, number>();
    for (const v of cells(Kind.pingPong).values()) if (v.a === dept || v.b === dept) back.set(`${v.a},${v.b}`, v.n);
    for (const v of cells(Kind.handoff).values()) {
      // A self-handoff counts as incoming, as in the fold.
      const side = v.b === dept ? incoming : v.a === dept ? outgoing : null;
      if (!side || !v.dist) continue;
      const delay = statsOf(v.dist);
      side.push({ from: names.name(v.a), to: names.name(v.b), count: delay.count, delay, pingPong: back.get(`${v.a},${v.b}`) ?? 0, delayCausedSeconds: delay.sum });
    }
  }
  const rank = (a: Edge, b: Edge) => b.delayCausedSeconds - a.delayCausedSeconds || b.count - a.count || (a.from + a.to < b.from + b.to ? -1 : 1);
  incoming.sort(rank);
  outgoing.sort(rank);
  const traffic = new Map<string, number>();
  for (const e of incoming) traffic.set(e.from, (traffic.get(e.from) ?? 0) + e.count);
  for (const e of outgoing) traffic.set(e.to, (traffic.get(e.to) ?? 0) + e.count);

  const waiting = input.queued.first.map((q) => {
    let from: string | null = null;
    const f = input.factsOf(q.journeyId);
    for (const h of f?.handoffs ?? []) if (h.to === department && h.requestedAt <= q.since) from = h.from;
    return { journeyId: q.journeyId, since: new Date(q.since).toISOString(), waitingSeconds: (now - q.since) / 1000, from };
  });
  return {
    department,
    asOf: new Date(now).toISOString(),
    journeys,
    work: work?.dist ? statsOf(work.dist) : { ...EMPTY_STATS },
    queue: queue?.dist ? statsOf(queue.dist) : { ...EMPTY_STATS },
    workload: workloadFrom(cells, input.open, names, now).find((w) => w.department === department) ?? null,
    neighbours: [...traffic].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([d]) => d),
    incoming,
    outgoing,
    waiting,
    waitingTotal: input.queued.total,
  };
}

/** Where a focus reads from: the live rows and cells, or (a `now` before the newest event) a replay. */
export class MapFocus {
  private readonly byId: Database.Statement;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly reader: CellReader,
    private readonly names: Names,
    private readonly fold: FoldOptions,
    private readonly calendars: CalendarSet | undefined,
    /** What is open now per department (the store's live summary of the `here` rows). */
    private readonly openNow: (jt: number | undefined | null, now: number) => OpenByDept,
  ) {
    this.byId = db.prepare('SELECT events FROM journeys WHERE journey_id = ?');
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** The journey as it stood at `at` (all of it when `at` is past its last event). */
  private factsAt(journeyId: string, at: number): JourneyFacts | undefined {
    const row = this.byId.get(journeyId) as { events: string } | undefined;
    if (!row) return undefined;
    const events = decodeEvents(row.events, this.names);
    let n = 0;
    while (n < events.length && events[n]!.t <= at) n++;
    return n === 0 ? undefined : foldJourney(journeyId, events.slice(0, n), { ...this.fold, traceContinues: n < events.length });
  }

  focus(department: string, filter: CellFilter, now: number, limit: number, past: boolean): DepartmentFocus {
    const take = Math.max(0, Math.floor(limit));
    const factsOf = (id: string) => this.factsAt(id, now);
    if (past) {
      // As it stood then: the replay's cells and open rows (the journeys active that day, refolded).
      const then = asOf(this.db, this.reader, this.names, filter, now, this.calendars);
      const queued = then.open
        .filter((o) => o.kind === 1 && o.department === department)
        .sort((a, b) => a.since - b.since || (a.journeyId < b.journeyId ? -1 : 1));
      return focusFrom({ cells: then.cells, open: summariseOpen(then.open, now), names: this.names, department, now, queued: { first: queued.slice(0, take), total: queued.length }, factsOf });
    }
    const dept = this.names.find(department);
    let first: QueuedHere[] = [];
    let total = 0;
    if (dept !== undefined && filter.jt !== null) {
      const jt = filter.jt !== undefined ? ' AND jt = ?' : '';
      const args = filter.jt !== undefined ? [dept, filter.jt] : [dept];
      first = this.stmt(`SELECT journey_id AS journeyId, since FROM here WHERE kind = 1 AND dept = ?${jt} ORDER BY since, journey_id LIMIT ?`).all(...args, take) as QueuedHere[];
      total = (this.stmt(`SELECT COUNT(*) AS n FROM here WHERE kind = 1 AND dept = ?${jt}`).get(...args) as { n: number }).n;
    }
    return focusFrom({ cells: storedCells(this.reader, filter), open: this.openNow(filter.jt, now), names: this.names, department, now, queued: { first, total }, factsOf });
  }
}
