import type { HandoffPairStats, JourneyTimeline } from '@journeys/contracts';

/** Pure shaping of read models for drawing: no DOM here, so it is unit-tested in Node. */

const ms = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);

export type SegmentKind = 'work' | 'wait' | 'customer';
export interface Segment {
  /** lane index: 0 is the customer lane, 1.. the departments in `lanes` order */
  lane: number;
  start: number;
  end: number;
  kind: SegmentKind;
}
export interface SwimRow {
  journeyId: string;
  start: number;
  end: number;
  leadTimeSeconds: number;
  segments: Segment[];
  touchpoints: number[];
}
export interface SwimModel {
  lanes: string[];
  rows: SwimRow[];
  minTime: number;
  maxTime: number;
  maxLead: number;
}

/**
 * One row per journey, ordered by lead time (shortest first), with its work, queue and
 * customer-wait intervals placed in lanes. Lanes are departments ordered by how early
 * journeys usually reach them, so the blueprint reads top to bottom like the process.
 */
export function swimlaneModel(timelines: readonly JourneyTimeline[]): SwimModel {
  const firstSeen = new Map<string, number[]>();
  for (const t of timelines) {
    t.steps.forEach((s, i) => {
      const list = firstSeen.get(s.department) ?? [];
      if (!firstSeen.has(s.department)) firstSeen.set(s.department, list);
      if (t.steps.findIndex((x) => x.department === s.department) === i) list.push(i);
    });
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const lanes = [...firstSeen.keys()].sort((a, b) => avg(firstSeen.get(a)!) - avg(firstSeen.get(b)!) || a.localeCompare(b));
  const laneOf = new Map(lanes.map((d, i) => [d, i + 1]));
  let minTime = Infinity;
  let maxTime = -Infinity;
  let maxLead = 0;
  const rows: SwimRow[] = timelines.map((t) => {
    const start = ms(t.startedAt)!;
    const end = ms(t.completedAt) ?? ms(t.lastEventAt) ?? start;
    const segments: Segment[] = [];
    for (const s of t.steps) {
      const lane = laneOf.get(s.department)!;
      const completed = ms(s.completedAt);
      const started = ms(s.startedAt) ?? (completed !== null ? completed - s.workSeconds * 1000 : null);
      const queued = ms(s.queuedAt);
      if (queued !== null && started !== null && started > queued) segments.push({ lane, start: queued, end: started, kind: 'wait' });
      else if (queued !== null && started === null) segments.push({ lane, start: queued, end, kind: 'wait' });
      if (started !== null) segments.push({ lane, start: started, end: completed ?? end, kind: 'work' });
    }
    let waitFrom: number | null = null;
    const touchpoints: number[] = [];
    for (const e of t.events) {
      if (e.type === 'CustomerWaitStarted') waitFrom = ms(e.occurredAt);
      else if (e.type === 'CustomerWaitEnded' && waitFrom !== null) {
        segments.push({ lane: 0, start: waitFrom, end: ms(e.occurredAt)!, kind: 'customer' });
        waitFrom = null;
      } else if (e.type === 'CustomerNotified' || e.type === 'JourneyStarted' || e.type === 'JourneyCompleted') {
        touchpoints.push(ms(e.occurredAt)!);
      }
    }
    if (waitFrom !== null) segments.push({ lane: 0, start: waitFrom, end, kind: 'customer' });
    minTime = Math.min(minTime, start);
    maxTime = Math.max(maxTime, end);
    maxLead = Math.max(maxLead, t.totals.leadTimeSeconds);
    return { journeyId: t.journeyId, start, end, leadTimeSeconds: t.totals.leadTimeSeconds, segments, touchpoints };
  });
  rows.sort((a, b) => a.leadTimeSeconds - b.leadTimeSeconds || a.journeyId.localeCompare(b.journeyId));
  if (rows.length === 0) {
    minTime = 0;
    maxTime = 1;
  }
  return { lanes: ['Customer', ...lanes], rows, minTime, maxTime, maxLead };
}

export type Token =
  | { journeyId: string; kind: 'edge'; from: string; to: string; progress: number }
  | { journeyId: string; kind: 'work' | 'queue'; department: string }
  | { journeyId: string; kind: 'customer'; department: string | null };

/**
 * Where each journey is at instant `at`: travelling along a handoff edge while it waits
 * for the receiver, sitting at a department while worked (or queued without an explicit
 * handoff), or with the customer. Journeys not started or already closed have no token.
 */
export function tokensAt(timelines: readonly JourneyTimeline[], at: number): Token[] {
  const out: Token[] = [];
  for (const t of timelines) {
    const start = ms(t.startedAt)!;
    const done = ms(t.completedAt);
    if (at < start || (done !== null && at >= done)) continue;
    let placed = false;
    let waitFrom: number | null = null;
    for (const e of t.events) {
      const when = ms(e.occurredAt)!;
      if (when > at) break;
      if (e.type === 'CustomerWaitStarted') waitFrom = when;
      else if (e.type === 'CustomerWaitEnded') waitFrom = null;
    }
    for (const h of t.handoffs) {
      const req = ms(h.requestedAt)!;
      const started = ms(h.startedAt);
      if (req <= at && (started === null || at < started)) {
        const span = started !== null ? started - req : null;
        const progress = span ? (at - req) / span : Math.min(0.9, (at - req) / 86_400_000);
        out.push({ journeyId: t.journeyId, kind: 'edge', from: h.from, to: h.to, progress: Math.max(0, Math.min(1, progress)) });
        placed = true;
        break;
      }
    }
    if (placed) continue;
    if (waitFrom !== null) {
      out.push({ journeyId: t.journeyId, kind: 'customer', department: null });
      continue;
    }
    for (const s of t.steps) {
      const started = ms(s.startedAt);
      const completed = ms(s.completedAt);
      const queued = ms(s.queuedAt);
      if (started !== null && started <= at && (completed === null || at < completed)) {
        out.push({ journeyId: t.journeyId, kind: 'work', department: s.department });
        break;
      }
      if (queued !== null && queued <= at && (started === null || at < started)) {
        out.push({ journeyId: t.journeyId, kind: 'queue', department: s.department });
        break;
      }
    }
  }
  return out;
}

export const pairKey = (from: string, to: string) => `${from}\u0000${to}`;

export interface Hotspot {
  from: string;
  to: string;
  count: number;
  p50: number;
  p90: number;
  /** count × median delay, in seconds: the waiting this handoff causes */
  delayCaused: number;
  pingPong: number;
}

/** Ranks the server's pairs; ping-pong is the server's figure (the fold's rule), never recounted here. */
export function rankHotspots(pairs: readonly HandoffPairStats[], by: 'delay' | 'pingPong'): Hotspot[] {
  const rows = pairs.map((p) => ({
    from: p.from,
    to: p.to,
    count: p.count,
    p50: p.p50,
    p90: p.p90,
    delayCaused: p.count * p.p50,
    pingPong: p.pingPong ?? 0,
  }));
  const key = by === 'delay' ? (h: Hotspot) => h.delayCaused : (h: Hotspot) => h.pingPong;
  return rows.sort((a, b) => key(b) - key(a) || b.delayCaused - a.delayCaused || a.from.localeCompare(b.from));
}
