import { variantId, type Variants } from '@journeys/contracts';
import { matches, type ResolvedFilter } from './aggregates.ts';
import type { JourneyFacts } from './journey-fold.ts';
import { quantileSorted } from './stats.ts';

/**
 * Trace variants at the department level: a journey's path is the department it started
 * in, then the sender and receiver of each handoff in order (consecutive repeats collapsed; a return
 * to a department shows as a repeat further on). Its id is variantId(path).
 */
export function departmentPath(f: JourneyFacts): string[] {
  const path: string[] = [];
  const add = (d: string | undefined) => {
    if (d !== undefined && path[path.length - 1] !== d) path.push(d);
  };
  add(f.departments[0]);
  for (const h of f.handoffs) {
    add(h.from);
    add(h.to);
  }
  return path;
}

/** Sum of the journey's handoff delays (handoffs picked up), in seconds: its silo delay. */
export function siloDelaySeconds(f: JourneyFacts): number {
  let ms = 0;
  for (const h of f.handoffs) if (h.startedAt !== null) ms += h.startedAt - h.requestedAt;
  return ms / 1000;
}

/**
 * The variants of the journeys matching `filter` (and visiting `department`, when given),
 * most frequent first, at most `limit`, each with its share of the journeys and the medians
 * of its journeys' lead times and silo delays (numpy's linear interpolation, as everywhere).
 */
export function variants(
  journeys: Iterable<JourneyFacts>,
  filter: ResolvedFilter & { department?: string | null },
  limit = 100,
): Variants {
  const groups = new Map<string, { path: string[]; lead: number[]; silo: number[] }>();
  let total = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const f of journeys) {
    if (!matches(f, filter)) continue;
    if (filter.department && !f.departments.includes(filter.department)) continue;
    total++;
    if (f.startedAt < first) first = f.startedAt;
    if (f.lastEventAt > last) last = f.lastEventAt;
    const path = departmentPath(f);
    const id = variantId(path);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { path, lead: [], silo: [] }));
    g.lead.push(f.leadMs / 1000);
    g.silo.push(siloDelaySeconds(f));
  }
  const median = (xs: number[]) => quantileSorted(Float64Array.from(xs).sort(), 0.5);
  const all = [...groups].map(([id, g]) => ({
    id,
    path: g.path,
    count: g.lead.length,
    share: total > 0 ? g.lead.length / total : 0,
    medianLeadTimeSeconds: median(g.lead),
    medianSiloDelaySeconds: median(g.silo),
  }));
  all.sort((a, b) => b.count - a.count || a.medianLeadTimeSeconds - b.medianLeadTimeSeconds || (a.id < b.id ? -1 : 1));
  return {
    journeys: total,
    firstStartedAt: total > 0 ? new Date(first).toISOString() : null,
    lastEventAt: total > 0 ? new Date(last).toISOString() : null,
    total: all.length,
    variants: all.slice(0, limit),
  };
}
