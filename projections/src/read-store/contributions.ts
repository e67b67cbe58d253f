import { pingPongFlags } from '../aggregates.ts';
import type { JourneyFacts } from '../journey-fold.ts';
import type { ProjectedEvent } from '../projected-event.ts';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import { estimateSamplesOf, estimateSpan } from '../estimate/estimate.ts';
import { packSample } from './weighted.ts';

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
} as const;
export type KindCode = (typeof Kind)[keyof typeof Kind];

/** Kinds whose cells hold a distribution of durations; the others only count. */
export const DISTRIBUTION_KINDS: ReadonlySet<number> = new Set([Kind.handoff, Kind.arc, Kind.work, Kind.queue, Kind.businessHandoff]);
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
 * estimate clock (estimate.ts).
 */
export function contributionsOf(f: JourneyFacts, events: readonly ProjectedEvent[], calendars?: CalendarSet): Contributions {
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
  return m;
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
  for (const [key, n] of next) {
    const o = old?.get(key);
    if (!o) {
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
