import type {
  AnalyticsFilter,
  DepartmentWorkload,
  HandoffAnalytics,
  ProcessMap,
} from '@journeys/contracts';
import type { JourneyFacts } from './journey-fold.ts';
import { stepWaitMs, stepWorkMs } from './journey-fold.ts';
import { slaState } from './sla.ts';
import { DurationList } from './stats.ts';

/**
 * Aggregates over many journeys' facts: pure functions, recomputed from the per-journey
 * folds (a late event only refolds its journey; the aggregates are rebuilt from the folds
 * on the next query and cached until the next batch). Exact percentiles.
 */
export interface ResolvedFilter {
  from: number | null;
  to: number | null;
  journeyType: string | null;
}

export function resolveFilter(filter: AnalyticsFilter | undefined): ResolvedFilter {
  return {
    from: filter?.from ? Date.parse(filter.from) : null,
    to: filter?.to ? Date.parse(filter.to) : null,
    journeyType: filter?.journeyType ?? null,
  };
}

/** from: journeys active at or after it (open, or last event ≥ from); to: journeys started before it. */
export function matches(f: JourneyFacts, r: ResolvedFilter): boolean {
  if (r.journeyType !== null && f.journeyType !== r.journeyType) return false;
  if (r.to !== null && !(f.startedAt < r.to)) return false;
  if (r.from !== null && f.completedAt !== null && f.lastEventAt < r.from) return false;
  return true;
}

const PAIR_SEP = '\u0000';

/**
 * Which of a journey's handoffs are ping-pong: into a department it had already handed off
 * from (the fold's rule for pingPongCount, per handoff, so the pair that sends work back is named).
 */
export function pingPongFlags(f: JourneyFacts): boolean[] {
  const leftFrom = new Set<string>();
  return f.handoffs.map((h) => {
    const back = leftFrom.has(h.to);
    leftFrom.add(h.from);
    return back;
  });
}

function pairsOf<T>(map: Map<string, T>): [string, string, T][] {
  const out: [string, string, T][] = [];
  for (const [key, v] of map) {
    const i = key.indexOf(PAIR_SEP);
    out.push([key.slice(0, i), key.slice(i + 1), v]);
  }
  return out;
}

function byCountThenName<T extends { count: number; from: string; to: string }>(a: T, b: T): number {
  return b.count - a.count || (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0);
}

/** Handoff delays per (from, to) department pair; only handoffs that were picked up have a delay. */
export function handoffAnalytics(journeys: Iterable<JourneyFacts>, filter: ResolvedFilter): HandoffAnalytics {
  const lists = new Map<string, DurationList>();
  const pingPong = new Map<string, number>();
  let count = 0;
  let total = 0;
  for (const f of journeys) {
    if (!matches(f, filter)) continue;
    count++;
    const back = pingPongFlags(f);
    for (let i = 0; i < f.handoffs.length; i++) {
      const h = f.handoffs[i]!;
      if (h.startedAt === null) continue;
      const key = h.from + PAIR_SEP + h.to;
      let l = lists.get(key);
      if (!l) lists.set(key, (l = new DurationList()));
      l.push((h.startedAt - h.requestedAt) / 1000);
      if (back[i]) pingPong.set(key, (pingPong.get(key) ?? 0) + 1);
      total++;
    }
  }
  const pairs = pairsOf(lists).map(([from, to, l]) => ({ from, to, ...l.stats(), pingPong: pingPong.get(from + PAIR_SEP + to) ?? 0 }));
  pairs.sort(byCountThenName);
  return { pairs, journeys: count, handoffs: total };
}

interface DeptAcc {
  journeys: number;
  events: number;
  work: DurationList;
  queue: DurationList;
  wip: number;
  queueLength: number;
}

export function processMap(journeys: Iterable<JourneyFacts>, filter: ResolvedFilter): ProcessMap {
  const depts = new Map<string, DeptAcc>();
  const dept = (name: string): DeptAcc => {
    let d = depts.get(name);
    if (!d) depts.set(name, (d = { journeys: 0, events: 0, work: new DurationList(), queue: new DurationList(), wip: 0, queueLength: 0 }));
    return d;
  };
  const edges = new Map<string, DurationList>();
  const pingPongs = new Map<string, number>();
  const arcs = new Map<string, DurationList>();
  const nodes = new Map<string, number>();
  for (const f of journeys) {
    if (!matches(f, filter)) continue;
    for (let i = 0; i < f.departments.length; i++) {
      const d = dept(f.departments[i]!);
      d.journeys++;
      d.events += f.departmentEvents[i]!;
    }
    for (const s of f.steps) {
      const d = dept(s.department);
      if (s.startedAt !== null && s.completedAt !== null) d.work.push(stepWorkMs(s, f.lastEventAt) / 1000);
      if (s.queuedAt !== null) d.queue.push(stepWaitMs(s) / 1000);
    }
    for (const o of f.openWork) dept(o.department).wip++;
    if (f.queued) dept(f.queued.department).queueLength++;
    const back = pingPongFlags(f);
    for (let i = 0; i < f.handoffs.length; i++) {
      const h = f.handoffs[i]!;
      if (h.startedAt === null) continue;
      const key = h.from + PAIR_SEP + h.to;
      let l = edges.get(key);
      if (!l) edges.set(key, (l = new DurationList()));
      l.push((h.startedAt - h.requestedAt) / 1000);
      if (back[i]) pingPongs.set(key, (pingPongs.get(key) ?? 0) + 1);
    }
    for (let i = 0; i < f.dfgFrom.length; i++) {
      const key = f.dfgFrom[i]! + PAIR_SEP + f.dfgTo[i]!;
      let l = arcs.get(key);
      if (!l) arcs.set(key, (l = new DurationList()));
      l.push(f.dfgDelay[i]!);
    }
    for (const a of f.activities) nodes.set(a, (nodes.get(a) ?? 0) + 1);
  }
  const departments = [...depts].map(([department, d]) => ({
    department,
    journeys: d.journeys,
    events: d.events,
    work: d.work.stats(),
    queue: d.queue.stats(),
    wip: d.wip,
    queueLength: d.queueLength,
  }));
  departments.sort((a, b) => b.events - a.events || (a.department < b.department ? -1 : 1));
  const toEdges = (m: Map<string, DurationList>) =>
    pairsOf(m)
      .map(([from, to, l]) => ({ from, to, count: l.length, delay: l.stats() }))
      .sort(byCountThenName);
  const handoffEdges = toEdges(edges).map((e) => ({ ...e, pingPong: pingPongs.get(e.from + PAIR_SEP + e.to) ?? 0 }));
  const activityNodes = [...nodes].map(([activity, count]) => ({ activity, count }));
  activityNodes.sort((a, b) => b.count - a.count || (a.activity < b.activity ? -1 : 1));
  return { departments, edges: handoffEdges, activities: { nodes: activityNodes, edges: toEdges(arcs) } };
}

const DAY_MS = 86_400_000;
export const THROUGHPUT_WINDOW_DAYS = 7;

/**
 * Workload at `now`: the journeys' facts must already reflect only events at or before
 * `now` (the live read model, or a replay). A journey counts where it is after its last
 * event: in WIP of each department with open work, or in one department's queue.
 */
export function departmentWorkload(journeys: Iterable<JourneyFacts>, filter: ResolvedFilter, now: number): DepartmentWorkload[] {
  const rows = new Map<string, DepartmentWorkload>();
  const row = (department: string): DepartmentWorkload => {
    let r = rows.get(department);
    if (!r) {
      r = { department, wip: 0, queueLength: 0, oldestWaiting: null, throughputPerDay: 0, completed: 0, slaAtRisk: 0, slaBreached: 0 };
      rows.set(department, r);
    }
    return r;
  };
  const windowStart = now - THROUGHPUT_WINDOW_DAYS * DAY_MS;
  const recent = new Map<string, number>();
  const oldest = new Map<string, number>();
  for (const f of journeys) {
    if (!matches(f, filter)) continue;
    for (const d of f.departments) row(d);
    for (const s of f.steps) {
      if (s.completedAt === null || s.completedAt > now) continue;
      row(s.department).completed++;
      if (s.completedAt > windowStart) recent.set(s.department, (recent.get(s.department) ?? 0) + 1);
    }
    if (f.completedAt !== null) continue;
    const here = new Set<string>();
    for (const o of f.openWork) {
      row(o.department).wip++;
      here.add(o.department);
    }
    if (f.queued) {
      const r = row(f.queued.department);
      r.queueLength++;
      here.add(f.queued.department);
      const since = f.queued.since;
      const best = oldest.get(r.department);
      if (r.oldestWaiting === null || best === undefined || since < best || (since === best && f.journeyId < r.oldestWaiting.journeyId)) {
        oldest.set(r.department, since);
        r.oldestWaiting = { journeyId: f.journeyId, since: new Date(since).toISOString(), waitingSeconds: (now - since) / 1000 };
      }
    }
    if (f.customerWaitOpen && f.currentDepartment) here.add(f.currentDepartment);
    const sla = slaState(f, now);
    if (sla === 'at-risk') for (const d of here) row(d).slaAtRisk++;
    else if (sla === 'breached') for (const d of here) row(d).slaBreached++;
  }
  for (const [d, c] of recent) row(d).throughputPerDay = c / THROUGHPUT_WINDOW_DAYS;
  return [...rows.values()].sort((a, b) => (a.department < b.department ? -1 : a.department > b.department ? 1 : 0));
}
