import type { DepartmentWorkload, HandoffAnalytics, ProcessMap } from '@journeys/contracts';
import { THROUGHPUT_WINDOW_DAYS } from '../aggregates.ts';
import { EMPTY_STATS } from '../stats.ts';
import { slaState } from '../sla.ts';
import type { CellQuery, CellReader } from './cells.ts';
import { DAY_MS, Kind, type KindCode } from './contributions.ts';
import type { Distribution } from './distribution.ts';
import { statsOf } from './distribution.ts';
import type { CellFilter } from './filters.ts';
import type { Names } from './names.ts';

/**
 * The analytics answered from the cells (and, for what is open now, from the rows of the
 * "here" table). The same functions serve the replay, which hands them cell sums adjusted
 * to the instant (replay.ts) instead of the stored ones.
 */
export type Merged = Map<string, { a: number; b: number; n: number; dist: Distribution | null }>;

/** Where the merged cells come from: the stored cells, or a replay's adjusted sums. */
export type CellSource = (kind: KindCode, days?: [number, number]) => Merged;

export function storedCells(reader: CellReader, filter: CellFilter): CellSource {
  return (kind, days) => {
    if (filter.jt === null) return new Map();
    const q: CellQuery = { kind };
    if (filter.jt !== undefined) q.jt = filter.jt;
    const range = days ?? filter.days;
    if (range) q.days = range;
    return reader.merged(q);
  };
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function pairs(m: Merged, names: Names): { from: string; to: string; n: number; dist: Distribution | null }[] {
  return [...m.values()].map((v) => ({ from: names.name(v.a), to: names.name(v.b), n: v.n, dist: v.dist }));
}

const byCountThenName = (a: { count: number; from: string; to: string }, b: { count: number; from: string; to: string }): number =>
  b.count - a.count || byName(a.from, b.from) || byName(a.to, b.to);

/** Ping-pong handoffs per `from\u0000to` pair. */
function pingPongs(cells: CellSource, names: Names): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of cells(Kind.pingPong).values()) out.set(`${names.name(v.a)}\u0000${names.name(v.b)}`, v.n);
  return out;
}

/** `business`: each delay in the receiving department's open hours (cells kept only with calendars). */
export function handoffsFrom(cells: CellSource, names: Names, clock: 'elapsed' | 'business' = 'elapsed'): HandoffAnalytics {
  const back = pingPongs(cells, names);
  const list = pairs(cells(clock === 'business' ? Kind.businessHandoff : Kind.handoff), names).map((p) => ({
    from: p.from,
    to: p.to,
    ...(p.dist ? statsOf(p.dist) : { ...EMPTY_STATS }),
    pingPong: back.get(`${p.from}\u0000${p.to}`) ?? 0,
  }));
  list.sort(byCountThenName);
  let journeys = 0;
  for (const v of cells(Kind.started).values()) journeys += v.n;
  return { ...(clock === 'business' ? { clock } : {}), pairs: list, journeys, handoffs: list.reduce((s, p) => s + p.count, 0) };
}

/** What is open at an instant, per department: from the live "here" rows or a replay's folds. */
export interface OpenRow {
  journeyId: string;
  department: string;
  /** 0 open work, 1 queued, 2 waiting on the customer. */
  kind: number;
  since: number;
  startedAt: number;
  promisedBy: number | null;
}

/** What is open per department at an instant: the workload's and the process map's live part. */
export interface OpenAtDept {
  wip: number;
  queueLength: number;
  oldest: { since: number; journeyId: string } | null;
  slaAtRisk: number;
  slaBreached: number;
}
export type OpenByDept = Map<string, OpenAtDept>;

const emptyOpen = (): OpenAtDept => ({ wip: 0, queueLength: 0, oldest: null, slaAtRisk: 0, slaBreached: 0 });

/** The per-department summary of open rows (a replay's folds; the live one is SQL, read-store.ts). */
export function summariseOpen(open: readonly OpenRow[], now: number): OpenByDept {
  const out: OpenByDept = new Map();
  const at = (d: string): OpenAtDept => {
    let o = out.get(d);
    if (!o) out.set(d, (o = emptyOpen()));
    return o;
  };
  const sla = new Map<string, Set<string>>();
  for (const o of open) {
    const r = at(o.department);
    if (o.kind === 0) r.wip++;
    else if (o.kind === 1) {
      r.queueLength++;
      if (!r.oldest || o.since < r.oldest.since || (o.since === r.oldest.since && o.journeyId < r.oldest.journeyId)) r.oldest = { since: o.since, journeyId: o.journeyId };
    }
    const state = slaState({ startedAt: o.startedAt, completedAt: null, promisedBy: o.promisedBy }, now);
    if (state === 'at-risk' || state === 'breached') {
      const key = `${state}|${o.department}`;
      let s2 = sla.get(key);
      if (!s2) sla.set(key, (s2 = new Set()));
      s2.add(o.journeyId);
    }
  }
  for (const [key, set] of sla) {
    const i = key.indexOf('|');
    const r = at(key.slice(i + 1));
    if (key.slice(0, i) === 'at-risk') r.slaAtRisk = set.size;
    else r.slaBreached = set.size;
  }
  return out;
}

export function processMapFrom(cells: CellSource, open: OpenByDept, names: Names): ProcessMap {
  const depts = new Map<string, ProcessMap['departments'][number]>();
  const dept = (name: string): ProcessMap['departments'][number] => {
    let d = depts.get(name);
    if (!d) depts.set(name, (d = { department: name, journeys: 0, events: 0, work: { ...EMPTY_STATS }, queue: { ...EMPTY_STATS }, wip: 0, queueLength: 0 }));
    return d;
  };
  for (const v of cells(Kind.deptJourneys).values()) dept(names.name(v.a)).journeys += v.n;
  for (const v of cells(Kind.events).values()) dept(names.name(v.a)).events += v.n;
  for (const v of cells(Kind.work).values()) if (v.dist) dept(names.name(v.a)).work = statsOf(v.dist);
  for (const v of cells(Kind.queue).values()) if (v.dist) dept(names.name(v.a)).queue = statsOf(v.dist);
  for (const [department, o] of open) {
    if (o.wip === 0 && o.queueLength === 0) continue; // waiting on the customer only: not a map node by itself
    const d = dept(department);
    d.wip += o.wip;
    d.queueLength += o.queueLength;
  }
  const departments = [...depts.values()].sort((a, b) => b.events - a.events || byName(a.department, b.department));
  const edgesOf = (kind: KindCode) =>
    pairs(cells(kind), names)
      .map((p) => ({ from: p.from, to: p.to, count: p.n, delay: p.dist ? statsOf(p.dist) : { ...EMPTY_STATS } }))
      .sort(byCountThenName);
  const nodes = [...cells(Kind.activity).values()].map((v) => ({ activity: names.name(v.a), count: v.n }));
  nodes.sort((a, b) => b.count - a.count || byName(a.activity, b.activity));
  const back = pingPongs(cells, names);
  const edges = edgesOf(Kind.handoff).map((e) => ({ ...e, pingPong: back.get(`${e.from}\u0000${e.to}`) ?? 0 }));
  return { departments, edges, activities: { nodes, edges: edgesOf(Kind.arc) } };
}

/**
 * Workload at `now`: WIP, queues, the oldest waiting case and SLA risk from what is open;
 * completions from the cells (throughput: the last THROUGHPUT_WINDOW_DAYS UTC days,
 * today included).
 */
export function workloadFrom(cells: CellSource, open: OpenByDept, names: Names, now: number): DepartmentWorkload[] {
  const rows = new Map<string, DepartmentWorkload>();
  const row = (department: string): DepartmentWorkload => {
    let r = rows.get(department);
    if (!r) rows.set(department, (r = { department, wip: 0, queueLength: 0, oldestWaiting: null, throughputPerDay: 0, completed: 0, slaAtRisk: 0, slaBreached: 0 }));
    return r;
  };
  for (const v of cells(Kind.deptJourneys).values()) row(names.name(v.a));
  for (const v of cells(Kind.completions).values()) row(names.name(v.a)).completed += v.n;
  const today = Math.floor(now / DAY_MS);
  for (const v of cells(Kind.completions, [today - THROUGHPUT_WINDOW_DAYS + 1, today + 1]).values()) {
    row(names.name(v.a)).throughputPerDay += v.n / THROUGHPUT_WINDOW_DAYS;
  }
  for (const [department, o] of open) {
    if (o.wip === 0 && o.queueLength === 0 && o.slaAtRisk === 0 && o.slaBreached === 0) continue;
    const r = row(department);
    r.wip = o.wip;
    r.queueLength = o.queueLength;
    r.slaAtRisk = o.slaAtRisk;
    r.slaBreached = o.slaBreached;
    if (o.oldest) r.oldestWaiting = { journeyId: o.oldest.journeyId, since: new Date(o.oldest.since).toISOString(), waitingSeconds: (now - o.oldest.since) / 1000 };
  }
  return [...rows.values()].sort((a, b) => byName(a.department, b.department));
}
