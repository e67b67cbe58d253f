import type { DepartmentFocus } from '@journeys/contracts';
import { departmentWorkload, matches, pingPongFlags, type ResolvedFilter } from './aggregates.ts';
import type { JourneyFacts } from './journey-fold.ts';
import { stepWaitMs, stepWorkMs } from './journey-fold.ts';
import { DurationList } from './stats.ts';

/**
 * One department seen close up: its neighbours, the handoffs into and out of it ranked by
 * the waiting they cause (sum of delays), its queue and WIP at `now`, and the journeys
 * waiting there now (longest first, at most `limit`). The same rules as the process map and
 * the workload: the facts must reflect only events at or before `now`.
 */
export function departmentFocus(
  journeys: Iterable<JourneyFacts>,
  department: string,
  filter: ResolvedFilter,
  now: number,
  limit = 50,
): DepartmentFocus {
  const incoming = new Map<string, { l: DurationList; pingPong: number }>();
  const outgoing = new Map<string, { l: DurationList; pingPong: number }>();
  const work = new DurationList();
  const queue = new DurationList();
  const waiting: DepartmentFocus['waiting'] = [];
  const matched: JourneyFacts[] = [];
  let visited = 0;
  for (const f of journeys) {
    if (!matches(f, filter)) continue;
    if (!f.departments.includes(department) && !f.handoffs.some((h) => h.to === department)) continue;
    matched.push(f);
    if (f.departments.includes(department)) visited++;
    for (const s of f.steps) {
      if (s.department !== department) continue;
      if (s.startedAt !== null && s.completedAt !== null) work.push(stepWorkMs(s, f.lastEventAt) / 1000);
      if (s.queuedAt !== null) queue.push(stepWaitMs(s) / 1000);
    }
    const back = pingPongFlags(f);
    for (let i = 0; i < f.handoffs.length; i++) {
      const h = f.handoffs[i]!;
      if (h.startedAt === null) continue;
      const side = h.to === department ? incoming : h.from === department ? outgoing : null;
      if (!side) continue;
      const other = side === incoming ? h.from : h.to;
      let acc = side.get(other);
      if (!acc) side.set(other, (acc = { l: new DurationList(), pingPong: 0 }));
      acc.l.push((h.startedAt - h.requestedAt) / 1000);
      if (back[i]) acc.pingPong++;
    }
    if (f.completedAt === null && f.queued?.department === department) {
      let from: string | null = null;
      for (const h of f.handoffs) if (h.to === department && h.requestedAt <= f.queued.since) from = h.from;
      waiting.push({ journeyId: f.journeyId, since: new Date(f.queued.since).toISOString(), waitingSeconds: (now - f.queued.since) / 1000, from });
    }
  }
  const edges = (m: typeof incoming, inward: boolean) =>
    [...m]
      .map(([other, { l, pingPong }]) => {
        const delay = l.stats();
        return { from: inward ? other : department, to: inward ? department : other, count: delay.count, delay, pingPong, delayCausedSeconds: delay.sum };
      })
      .sort((a, b) => b.delayCausedSeconds - a.delayCausedSeconds || b.count - a.count || (a.from + a.to < b.from + b.to ? -1 : 1));
  const inEdges = edges(incoming, true);
  const outEdges = edges(outgoing, false);
  const traffic = new Map<string, number>();
  for (const e of inEdges) traffic.set(e.from, (traffic.get(e.from) ?? 0) + e.count);
  for (const e of outEdges) traffic.set(e.to, (traffic.get(e.to) ?? 0) + e.count);
  waiting.sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : a.journeyId < b.journeyId ? -1 : 1));
  const workload = departmentWorkload(matched, filter, now).find((w) => w.department === department) ?? null;
  return {
    department,
    asOf: new Date(now).toISOString(),
    journeys: visited,
    work: work.stats(),
    queue: queue.stats(),
    workload,
    neighbours: [...traffic].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([d]) => d),
    incoming: inEdges,
    outgoing: outEdges,
    waiting: waiting.slice(0, limit),
    waitingTotal: waiting.length,
  };
}
