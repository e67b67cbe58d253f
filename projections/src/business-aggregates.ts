import type { HandoffAnalytics } from '@journeys/contracts';
import { matches, pingPongFlags, type ResolvedFilter } from './aggregates.ts';
import type { JourneyFacts } from './journey-fold.ts';
import { DurationList } from './stats.ts';

/**
 * Handoff analytics on the business clock (?clock=business): the same pairs and counts as
 * `handoffAnalytics`, each delay in the receiving department's open hours. Journeys folded
 * without calendars have no business figures and are counted but contribute no delay.
 */
export function businessHandoffAnalytics(journeys: Iterable<JourneyFacts>, filter: ResolvedFilter): HandoffAnalytics {
  const lists = new Map<string, { from: string; to: string; list: DurationList; pingPong: number }>();
  let count = 0;
  let total = 0;
  for (const f of journeys) {
    if (!matches(f, filter)) continue;
    count++;
    const b = f.business;
    if (!b) continue;
    const back = pingPongFlags(f);
    for (let i = 0; i < f.handoffs.length; i++) {
      const ms = b.handoffDelayMs[i];
      if (ms === null || ms === undefined) continue;
      const h = f.handoffs[i]!;
      const key = `${h.from}\u0000${h.to}`;
      let e = lists.get(key);
      if (!e) lists.set(key, (e = { from: h.from, to: h.to, list: new DurationList(), pingPong: 0 }));
      e.list.push(ms / 1000);
      if (back[i]) e.pingPong++;
      total++;
    }
  }
  const pairs = [...lists.values()].map((e) => ({ from: e.from, to: e.to, ...e.list.stats(), pingPong: e.pingPong }));
  pairs.sort((a, b) => b.count - a.count || (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
  return { clock: 'business', pairs, journeys: count, handoffs: total };
}
