import type { Clock } from '@journeys/contracts';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import type { JourneyFacts } from '../journey-fold.ts';

/**
 * Completion date estimates from journeys of the same type that were at the same stage.
 * A stage is the department that has the case; a journey enters it at its start or at a
 * handoff into it. For every completed journey and every stage it entered, the time it
 * still took from that entry to completion is a sample. For an open journey that entered
 * its stage `e` ago, the samples longer than `e`, less `e`, are its remaining-time
 * distribution (journeys that are still there after as long). Too few of them: the type's
 * lead times conditioned on the journey's age instead. On the business clock (default
 * calendar) when calendars are configured.
 *
 * Each sample is weighted by 1 / its journey's lead time: a customer looks at the status at
 * some moment of their journey, so a short journey is as likely to be asked about as a long
 * one, and an unweighted survivor set would be dominated by the long tail (the backtest in
 * docs/benchmarks/eta.md measured that: unweighted, the estimate lost to the naive baseline).
 */
export interface WeightedSamples {
  /** Ascending. */
  values: Float64Array;
  weights: Float64Array;
  /**
   * How many journeys' samples each value stands for (a histogram bucket holds many);
   * absent: one each.
   */
  counts?: Float64Array;
}

/** How many samples a set holds. */
export function sampleCount(s: WeightedSamples): number {
  if (!s.counts) return s.values.length;
  let n = 0;
  for (let i = 0; i < s.counts.length; i++) n += s.counts[i]!;
  return n;
}
export interface EstimateStats {
  readonly clock: Clock;
  /** Remaining ms (on `clock`) from entering `stage`, over completed journeys of the type; ascending. */
  stageRemaining(journeyType: string | null, stage: string): WeightedSamples | undefined;
  /** Lead times (ms on `clock`) of completed journeys of the type; ascending. */
  leadTimes(journeyType: string | null): WeightedSamples | undefined;
  /** The most common sequence of stages after `stage` in completed journeys of the type. */
  stagesAhead(journeyType: string | null, stage: string): string[];
}

export interface Estimate {
  stage: string;
  expectedBy: number;
  /** 10th and 90th percentile of the completion instant. */
  low: number;
  high: number;
  basis: 'stage' | 'type';
  samples: number;
  /** true when the expected date is past promisedBy; null without a promise. */
  trendingLate: boolean | null;
  stagesAhead: string[];
}

export const MIN_ESTIMATE_SAMPLES = 5;
const MAX_STAGES_AHEAD = 8;

interface Entry {
  stage: string;
  t: number;
}

/** Stage entries of a journey, in time order: its first department at its start, then each handoff's receiver. */
export function stageEntries(f: JourneyFacts): Entry[] {
  const first = f.departments[0];
  const out: Entry[] = first === undefined ? [] : [{ stage: first, t: f.startedAt }];
  for (const h of f.handoffs) out.push({ stage: h.to, t: h.requestedAt });
  out.sort((a, b) => a.t - b.t);
  return out;
}

/** Where an open journey is and since when (its last entry into its current department). */
export function currentStage(f: JourneyFacts): Entry | null {
  const stage = f.currentDepartment;
  if (stage === null) return null;
  const entries = stageEntries(f);
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i]!.stage === stage) return entries[i]!;
  return { stage, t: f.startedAt };
}

const typeKey = (t: string | null) => t ?? '';
const stageKey = (t: string | null, s: string) => `${typeKey(t)}\u0000${s}`;

/** What one completed journey teaches the estimates: pure, shared by the read store's cells and the reference below. */
export interface EstimateSamples {
  /** Lead time, ms on the estimate clock. */
  lead: number;
  /** 1 / max(lead, 1 min): see the weighting above. */
  weight: number;
  /** Per stage entry: the stage and the ms still taken from it to completion. */
  remaining: { stage: string; ms: number }[];
  /** Per stage first entered: the stages that came after it (at most MAX_STAGES_AHEAD). */
  ahead: { stage: string; after: string[] }[];
}

/** The estimate clock's span: the default calendar's open hours when calendars are configured. */
export function estimateSpan(calendars?: CalendarSet): (a: number, b: number) => number {
  const cal = calendars?.configured ? calendars.default : undefined;
  return (a, b) => (cal ? cal.ms(a, b) : b - a);
}

export function estimateSamplesOf(f: JourneyFacts, span: (a: number, b: number) => number): EstimateSamples | null {
  if (f.completedAt === null) return null;
  const end = f.completedAt;
  const lead = span(f.startedAt, end);
  const out: EstimateSamples = { lead, weight: 1 / Math.max(lead, 60_000), remaining: [], ahead: [] };
  const entries = stageEntries(f);
  const seenStage = new Set<string>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    out.remaining.push({ stage: e.stage, ms: span(e.t, end) });
    if (seenStage.has(e.stage)) continue;
    seenStage.add(e.stage);
    const after: string[] = [];
    for (let j = i + 1; j < entries.length && after.length < MAX_STAGES_AHEAD; j++) {
      const st = entries[j]!.stage;
      if (after[after.length - 1] !== st && st !== e.stage) after.push(st);
    }
    out.ahead.push({ stage: e.stage, after });
  }
  return out;
}

/** The most common suffix, ties to the smallest key (so every adapter picks the same). */
export function mostCommonSuffix(counts: Iterable<[string, number]>): string[] {
  let best = '[]';
  let n = -1;
  for (const [k, c] of counts) {
    if (c > n || (c === n && k < best)) {
      best = k;
      n = c;
    }
  }
  return JSON.parse(best) as string[];
}

/**
 * EstimateStats over folded journeys: the reference the read store's cells are tested
 * against (it keeps the same three aggregates as cells, estimate-cells.ts).
 */
export function buildEstimateStats(facts: Iterable<JourneyFacts>, calendars?: CalendarSet): EstimateStats {
  const span = estimateSpan(calendars);
  const remaining = new Map<string, [number, number][]>();
  const leads = new Map<string, [number, number][]>();
  const suffixes = new Map<string, Map<string, number>>();
  for (const f of facts) {
    const s = estimateSamplesOf(f, span);
    if (s === null) continue;
    const tk = typeKey(f.journeyType);
    let l = leads.get(tk);
    if (!l) leads.set(tk, (l = []));
    l.push([s.lead, s.weight]);
    for (const r of s.remaining) {
      const k = stageKey(f.journeyType, r.stage);
      let list = remaining.get(k);
      if (!list) remaining.set(k, (list = []));
      list.push([r.ms, s.weight]);
    }
    for (const a of s.ahead) {
      const k = stageKey(f.journeyType, a.stage);
      let m = suffixes.get(k);
      if (!m) suffixes.set(k, (m = new Map<string, number>()));
      const sk = JSON.stringify(a.after);
      m.set(sk, (m.get(sk) ?? 0) + 1);
    }
  }
  const sorted = (m: Map<string, [number, number][]>) =>
    new Map(
      [...m].map(([k, v]) => {
        v.sort((a, b) => a[0] - b[0]);
        return [k, { values: Float64Array.from(v, (x) => x[0]), weights: Float64Array.from(v, (x) => x[1]) }] as const;
      }),
    );
  const rem = sorted(remaining);
  const lead = sorted(leads);
  return {
    clock: calendars?.configured ? 'business' : 'elapsed',
    stageRemaining: (t, s) => rem.get(stageKey(t, s)),
    leadTimes: (t) => lead.get(typeKey(t)),
    stagesAhead(t, s) {
      const m = suffixes.get(stageKey(t, s));
      return m ? mostCommonSuffix(m) : [];
    },
  };
}

/** Samples above `elapsed`, less `elapsed` (ascending in, ascending out). */
function conditioned(s: WeightedSamples, elapsed: number): WeightedSamples {
  const v = s.values;
  let lo = 0;
  let hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v[mid]! <= elapsed) lo = mid + 1;
    else hi = mid;
  }
  return {
    values: v.subarray(lo).map((x) => x - elapsed),
    weights: s.weights.subarray(lo),
    ...(s.counts ? { counts: s.counts.subarray(lo) } : {}),
  };
}

/** The smallest value whose cumulative weight reaches q of the total. */
export function weightedQuantile(s: WeightedSamples, q: number): number {
  let total = 0;
  for (let i = 0; i < s.weights.length; i++) total += s.weights[i]!;
  const target = q * total;
  let acc = 0;
  for (let i = 0; i < s.values.length; i++) {
    acc += s.weights[i]!;
    if (acc >= target) return s.values[i]!;
  }
  return s.values[s.values.length - 1] ?? 0;
}

/** The estimate for an open journey at `now`; null when it is closed or nothing comparable is known. */
export function estimateCompletion(f: JourneyFacts, stats: EstimateStats, now: number, calendars?: CalendarSet): Estimate | null {
  if (f.completedAt !== null) return null;
  const entry = currentStage(f);
  if (entry === null) return null;
  const cal = stats.clock === 'business' && calendars?.configured ? calendars.default : undefined;
  const span = (a: number, b: number) => (cal ? cal.ms(a, b) : b - a);
  const after = (ms: number) => (cal ? (cal.add(now, ms) ?? now + ms) : now + ms);
  let basis: Estimate['basis'] = 'stage';
  let left: WeightedSamples | undefined;
  const byStage = stats.stageRemaining(f.journeyType, entry.stage);
  if (byStage) left = conditioned(byStage, span(entry.t, now));
  if (!left || sampleCount(left) < MIN_ESTIMATE_SAMPLES) {
    const byType = stats.leadTimes(f.journeyType);
    const fallback = byType ? conditioned(byType, span(f.startedAt, now)) : undefined;
    if (!fallback || sampleCount(fallback) < MIN_ESTIMATE_SAMPLES) return null;
    left = fallback;
    basis = 'type';
  }
  const expectedBy = after(weightedQuantile(left, 0.5));
  return {
    stage: entry.stage,
    expectedBy,
    low: after(weightedQuantile(left, 0.1)),
    high: after(weightedQuantile(left, 0.9)),
    basis,
    samples: sampleCount(left),
    trendingLate: f.promisedBy === null ? null : expectedBy > f.promisedBy,
    stagesAhead: stats.stagesAhead(f.journeyType, entry.stage),
  };
}
