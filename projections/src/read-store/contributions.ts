import { pingPongFlags } from '../aggregates.ts';
import { departmentPath } from '../variants.ts';
import type { JourneyFacts } from '../journey-fold.ts';
import type { ProjectedEvent } from '../projected-event.ts';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import { estimateSamplesOf, estimateSpan } from '../estimate/estimate.ts';
import { packSample } from './weighted.ts';
import { ALWAYS, hereRowsOf, riskFromOf } from './journey-rows.ts';

/**
 * What one journey adds to the aggregate tables: a pure function of its fold. The read
 * store keeps, per (kind, key, journey type, day), the sum of every journey's
 * contributions; when a batch refolds a journey, the difference between its old and new
 * contributions is applied, so the aggregates follow late and out-of-order events
 * exactly, and applying the same batch twice changes nothing (the difference is empty).
 *
 * Every contribution counts on one UTC day: the day it happened (a handoff on the day
 * it was requested, work on the day it started). Time-range filters and replays merge
 * days, so they never scan journeys.
 */
export const Kind = {
  /** Handoff delay, from → to (picked-up handoffs only). */
  handoff: 1,
  /** Activity arc delay, activity → activity. */
  arc: 2,
  /** Work time of completed steps, per department. */
  work: 3,
  /** Queue time of steps, per department. */
  queue: 4,
  /** Events emitted, per department (a count). */
  events: 5,
  /** Journeys that visited a department, on the day of their first event there (a count). */
  deptJourneys: 6,
  /** Events per activity (a count). */
  activity: 7,
  /** Steps completed, per department (a count). */
  completions: 8,
  /** Journeys started (a count). */
  started: 9,
  /** Journeys completed (a count). */
  completed: 10,
  /** Picked-up handoffs of a pair that were ping-pong: into a department the journey had left (a count). */
  pingPong: 11,
  /** Handoff delay in the receiving department's open hours (only with calendars). */
  businessHandoff: 12,
  /** Remaining time to completion from entering a stage (a: the stage), on the day the journey completed; weighted. */
  remaining: 13,
  /** Lead times of completed journeys, on the day they completed; weighted. */
  lead: 14,
  /** Completed journeys per stage (a) and the stages that followed it (b: a JSON list; a count). */
  ahead: 15,
  // What is open now, as counts (cells of day 0: only their all-time total is read), so the
  // live workload reads a few cells instead of grouping every open row per request.
  /** Open steps per department. */
  wip: 16,
  /** Queued cases per department. */
  queued: 17,
  /** Open journeys with a promise, per department they are in, on the day of the promise. */
  slaDue: 18,
  /** The same, on the day their SLA turns at risk (journey-rows.ts `riskFromOf`). */
  slaRisk: 19,
  // The journey map (map-*.ts), numbered from 40 to leave room below. A journey's variant
  // key is a: its department path (JSON), b: the departments it emitted events in (sorted
  // JSON), or '' when those are the path's own (the common case: short keys), so the
  // variants of journeys that visited a department are a filter on keys, not a scan.
  /** Lead time per variant, on the day the journey started. */
  variantLead: 40,
  /** Silo delay (sum of its handoff delays) per variant, on the day the journey started. */
  variantSilo: 41,
  /**
   * Start and last-event instants per variant (epoch ms, both in one distribution: its
   * minimum is the first start, its maximum the last event), on the day started.
   */
  variantSpan: 42,
  /**
   * Departments first visited on one day (a: sorted JSON) after those first visited on
   * earlier days (b: sorted JSON, '' when none), on that day (a count): a journey is in an
   * org unit on the day of its first event in any member, exactly one of its keys names a
   * member in a and none in b, whatever the grouping.
   */
  deptFirst: 44,
  /**
   * Picked-up handoffs (a: JSON [from, to]) with the journey's earlier handoffs (b: sorted
   * JSON of [from, to] pairs, self-handoffs left out; '' when none), on the day requested (a
   * count): whether a handoff is ping-pong between org units depends on the grouping.
   */
  handoffContext: 45,
  /** Handoff targets the journey never emitted an event in (a count, on its start day): a unit's members. */
  seen: 46,
} as const;
export type KindCode = (typeof Kind)[keyof typeof Kind];

/** Kinds whose cells hold a distribution of durations; the others only count. */
export const DISTRIBUTION_KINDS: ReadonlySet<number> = new Set([
  Kind.handoff,
  Kind.arc,
  Kind.work,
  Kind.queue,
  Kind.businessHandoff,
  Kind.variantLead,
  Kind.variantSilo,
  Kind.variantSpan,
]);
/** Kinds whose cells hold a weighted histogram (weighted.ts): the estimates' samples. */
export const WEIGHTED_KINDS: ReadonlySet<number> = new Set([Kind.remaining, Kind.lead]);

export const DAY_MS = 86_400_000;
export const dayOf = (t: number): number => Math.floor(t / DAY_MS);

export interface Contribution {
  kind: KindCode;
  a: string;
  b: string;
  day: number;
  /** How many it counts. */
  w: number;
  /** Durations in integer ms (distribution kinds). */
  vals: number[];
  /**
   * handoffContext cells: the journey's distinct earlier pairs are the first `len` of
   * `list`. Their key names the context by `len` (a journey's contexts only grow, so within
   * one journey that is exact) and `b` is written out only when read: a journey through
   * hundreds of departments has hundreds of contexts of hundreds of pairs, and a batch
   * that changes none of them should not spell them all out twice.
   */
  context?: { list: readonly string[]; len: number };
}

/** Contributions of one journey, keyed `kind|a|b|day` (names cannot hold U+0000). */
export type Contributions = Map<string, Contribution>;

const SEP = '\u0000';

function add(m: Contributions, kind: KindCode, a: string, b: string, t: number, v?: number): void {
  const day = dayOf(t);
  const key = kind + SEP + a + SEP + b + SEP + day;
  let c = m.get(key);
  if (!c) m.set(key, (c = { kind, a, b, day, w: 0, vals: [] }));
  c.w++;
  if (v !== undefined) c.vals.push(v);
}

/**
 * `f` must be folded with the same calendars (its business figures); they also set the
 * estimate clock (estimate.ts). `map: false` leaves out the journey map's kinds (variantLead
 * … seen): no query as of a past instant reads them, so a replay need not compute them.
 */
export function contributionsOf(f: JourneyFacts, events: readonly ProjectedEvent[], calendars?: CalendarSet, options: { map?: boolean } = {}): Contributions {
  const m: Contributions = new Map();
  add(m, Kind.started, '', '', f.startedAt);
  if (f.completedAt !== null) add(m, Kind.completed, '', '', f.completedAt);
  const back = pingPongFlags(f);
  const business = f.business?.handoffDelayMs;
  for (let i = 0; i < f.handoffs.length; i++) {
    const h = f.handoffs[i]!;
    if (h.startedAt === null) continue;
    add(m, Kind.handoff, h.from, h.to, h.requestedAt, h.startedAt - h.requestedAt);
    const bms = business?.[i];
    if (bms !== undefined && bms !== null) add(m, Kind.businessHandoff, h.from, h.to, h.requestedAt, Math.round(bms));
    if (back[i]) add(m, Kind.pingPong, h.from, h.to, h.requestedAt);
  }
  const here = hereRowsOf(f);
  if (here.length > 0) {
    const inDept = new Set<string>();
    for (const h of here) {
      if (h.kind === 0) add(m, Kind.wip, h.department, '', 0);
      else if (h.kind === 1) add(m, Kind.queued, h.department, '', 0);
      inDept.add(h.department);
    }
    if (f.promisedBy !== null) {
      const risk = riskFromOf(f);
      for (const d of inDept) {
        add(m, Kind.slaDue, d, '', Math.max(ALWAYS, f.promisedBy));
        add(m, Kind.slaRisk, d, '', Math.max(ALWAYS, risk));
      }
    }
  }
  const samples = estimateSamplesOf(f, estimateSpan(calendars));
  if (samples !== null) {
    const end = f.completedAt!;
    add(m, Kind.lead, '', '', end, packSample(samples.lead, samples.weight));
    for (const r of samples.remaining) add(m, Kind.remaining, r.stage, '', end, packSample(r.ms, samples.weight));
    for (const a of samples.ahead) add(m, Kind.ahead, a.stage, JSON.stringify(a.after), end);
  }
  for (let i = 0; i < f.dfgFrom.length; i++) {
    add(m, Kind.arc, f.dfgFrom[i]!, f.dfgTo[i]!, f.dfgAt[i]!, Math.round(f.dfgDelay[i]! * 1000));
  }
  for (const s of f.steps) {
    if (s.startedAt !== null && s.completedAt !== null) add(m, Kind.work, s.department, '', s.startedAt, s.completedAt - s.startedAt);
    if (s.queuedAt !== null) {
      const begin = s.startedAt ?? s.completedAt;
      add(m, Kind.queue, s.department, '', s.queuedAt, begin === null ? 0 : begin - s.queuedAt);
    }
    if (s.completedAt !== null) add(m, Kind.completions, s.department, '', s.completedAt);
  }
  const seen = new Set<string>();
  for (const e of events) {
    add(m, Kind.events, e.department, '', e.t);
    if (!seen.has(e.department)) {
      seen.add(e.department);
      add(m, Kind.deptJourneys, e.department, '', e.t);
    }
    if (e.activity !== undefined) add(m, Kind.activity, e.activity, '', e.t);
  }
  if (options.map !== false) mapContributions(m, f, events);
  return m;
}

const sortedJson = (xs: Iterable<string>): string => {
  const list = [...xs].sort();
  return list.length === 0 ? '' : JSON.stringify(list);
};

/** The journey map's share of a journey's contributions (the kinds variantLead … seen). */
function mapContributions(m: Contributions, f: JourneyFacts, events: readonly ProjectedEvent[]): void {
  const path = departmentPath(f);
  const a = JSON.stringify(path);
  const onPath = new Set(path);
  const same = f.departments.length === onPath.size && f.departments.every((d) => onPath.has(d));
  const b = same ? '' : sortedJson(f.departments);
  let siloMs = 0;
  for (const h of f.handoffs) if (h.startedAt !== null) siloMs += h.startedAt - h.requestedAt;
  add(m, Kind.variantLead, a, b, f.startedAt, f.leadMs);
  add(m, Kind.variantSilo, a, b, f.startedAt, siloMs);
  add(m, Kind.variantSpan, a, b, f.startedAt, f.startedAt);
  add(m, Kind.variantSpan, a, b, f.startedAt, f.lastEventAt);

  // Events are in time order, so first visits come day by day.
  const visited = new Set<string>();
  let day: string[] = [];
  let dayT = 0;
  const before: string[] = [];
  const flush = () => {
    if (day.length === 0) return;
    add(m, Kind.deptFirst, sortedJson(day), sortedJson(before), dayT);
    before.push(...day);
    day = [];
  };
  for (const e of events) {
    if (visited.has(e.department)) continue;
    visited.add(e.department);
    if (day.length > 0 && dayOf(e.t) !== dayOf(dayT)) flush();
    if (day.length === 0) dayT = e.t;
    day.push(e.department);
  }
  flush();

  const earlier: string[] = [];
  const joined = new Set<string>();
  for (const h of f.handoffs) {
    const pair = JSON.stringify([h.from, h.to]);
    if (h.startedAt !== null) addInContext(m, pair, earlier, h.requestedAt);
    if (h.from !== h.to && !joined.has(pair)) {
      joined.add(pair);
      earlier.push(pair);
    }
  }
  for (const to of new Set(f.handoffs.map((h) => h.to))) if (!visited.has(to)) add(m, Kind.seen, to, '', f.startedAt);
}

function addInContext(m: Contributions, pair: string, earlier: readonly string[], t: number): void {
  const day = dayOf(t);
  const len = earlier.length;
  const key = Kind.handoffContext + SEP + pair + SEP + '#' + len + SEP + day;
  let c = m.get(key);
  if (!c) {
    let b: string | undefined;
    c = {
      kind: Kind.handoffContext,
      a: pair,
      get b(): string {
        // The pairs are JSON already: joined in brackets they are the JSON of the sorted list.
        return (b ??= len === 0 ? '' : `[${earlier.slice(0, len).sort().join(',')}]`);
      },
      day,
      w: 0,
      vals: [],
      context: { list: earlier, len },
    };
    m.set(key, c);
  }
  c.w++;
}

/** One cell's change: counts added (negative: removed) and durations added and removed. */
export interface CellDelta {
  kind: KindCode;
  a: string;
  b: string;
  day: number;
  w: number;
  added: number[];
  removed: number[];
}

/** new − old, per cell; unchanged cells are left out (a replayed batch gives nothing). */
export function diffContributions(old: Contributions | null, next: Contributions): CellDelta[] {
  const out: CellDelta[] = [];
  const sameContext = contextComparer();
  for (const [key, n] of next) {
    const o = old?.get(key);
    const same = o !== undefined && sameContext(o, n);
    if (o && !same) out.push({ kind: o.kind, a: o.a, b: o.b, day: o.day, w: -o.w, added: [], removed: o.vals.slice() });
    if (!o || !same) {
      out.push({ kind: n.kind, a: n.a, b: n.b, day: n.day, w: n.w, added: n.vals.slice(), removed: [] });
      continue;
    }
    const { added, removed } = multisetDiff(o.vals, n.vals);
    if (n.w !== o.w || added.length > 0 || removed.length > 0) out.push({ kind: n.kind, a: n.a, b: n.b, day: n.day, w: n.w - o.w, added, removed });
  }
  if (old) {
    for (const [key, o] of old) {
      if (!next.has(key)) out.push({ kind: o.kind, a: o.a, b: o.b, day: o.day, w: -o.w, added: [], removed: o.vals.slice() });
    }
  }
  return out;
}

/**
 * Whether two cells under one key stand for the same context: the same number of earlier
 * pairs, and the same pairs. Both lists are the journey's pairs in the order they joined,
 * so up to their common prefix every context is the same; past it (a late handoff changed
 * the order) the sets are compared.
 */
function contextComparer(): (o: Contribution, n: Contribution) => boolean {
  let lists: [readonly string[], readonly string[]] | null = null;
  let common = 0;
  return (o, n) => {
    if (!o.context || !n.context) return true;
    const { list: a, len } = o.context;
    const b = n.context.list;
    if (lists === null || lists[0] !== a || lists[1] !== b) {
      lists = [a, b];
      common = 0;
      while (common < a.length && common < b.length && a[common] === b[common]) common++;
    }
    if (len <= common) return true;
    const left = new Set(a.slice(0, len));
    return b.slice(0, len).every((p) => left.has(p));
  };
}

function multisetDiff(old: number[], next: number[]): { added: number[]; removed: number[] } {
  if (old.length === next.length && old.every((v, i) => v === next[i])) return { added: [], removed: [] };
  const counts = new Map<number, number>();
  for (const v of old) counts.set(v, (counts.get(v) ?? 0) + 1);
  const added: number[] = [];
  for (const v of next) {
    const c = counts.get(v) ?? 0;
    if (c > 0) counts.set(v, c - 1);
    else added.push(v);
  }
  const removed: number[] = [];
  for (const [v, c] of counts) for (let i = 0; i < c; i++) removed.push(v);
  return { added, removed };
}
