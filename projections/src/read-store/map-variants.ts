import { variantId, type Variants } from '@journeys/contracts';
import type { CellQuery, CellReader } from './cells.ts';
import { Kind, type KindCode } from './contributions.ts';
import type { Distribution } from './distribution.ts';
import { mergeInto, statsOf } from './distribution.ts';
import type { CellFilter } from './filters.ts';
import { listKey } from './map-keys.ts';
import type { Names } from './names.ts';
import { NO_NAME } from './schema.ts';

/**
 * Trace variants from the cells (variants.ts is the reference fold): every journey counts
 * once, under its variant key (path, departments it emitted in), on the day it started,
 * with its lead time, silo delay, and start and last event as distributions. A query merges the
 * cells of its journey type and days per key, keeps the keys whose departments name
 * `department` (the fold's "visited"), and merges keys by path. Its
 * cost is the number of variant keys times the cells covering the range, not the journeys.
 *
 * `from`/`to` select the journeys that started in the window, by whole UTC days (the
 * handoff answer's `journeys` count the same way); the fold selects whole journeys active
 * in the window, to the millisecond. Medians are exact up to the distribution's raw limit
 * (512 journeys per variant and cell range) and within 0.5% beyond, like every percentile
 * of the read store.
 */
export function variantsFromCells(reader: CellReader, names: Names, filter: CellFilter, department: string | undefined, limit: number): Variants {
  const none: Variants = { journeys: 0, firstStartedAt: null, lastEventAt: null, total: 0, variants: [] };
  if (filter.jt === null) return none;
  const dept = department === undefined ? undefined : names.find(department);
  if (department !== undefined && dept === undefined) return none;

  const read = (kind: KindCode) => {
    const q: CellQuery = { kind };
    if (filter.jt !== undefined && filter.jt !== null) q.jt = filter.jt;
    if (filter.days) q.days = filter.days;
    return reader.merged(q);
  };
  interface Group {
    path: string[];
    n: number;
    lead: Distribution | null;
    silo: Distribution | null;
  }
  const groups = new Map<number, Group>();
  // b names the departments the journeys emitted in; '' when they are the path's own.
  const keep = (a: number, b: number): boolean => department === undefined || listKey<string>(names, b === NO_NAME ? a : b).includes(department);
  const merge = (into: Distribution | null, d: Distribution | null): Distribution | null => {
    if (d === null) return into;
    if (into === null) return d;
    mergeInto(into, d);
    return into;
  };
  for (const [slot, kind] of [
    ['lead', Kind.variantLead],
    ['silo', Kind.variantSilo],
  ] as const) {
    for (const v of read(kind).values()) {
      if (!keep(v.a, v.b)) continue;
      let g = groups.get(v.a);
      if (!g) groups.set(v.a, (g = { path: listKey<string>(names, v.a), n: 0, lead: null, silo: null }));
      if (slot === 'lead') g.n += v.n;
      g[slot] = merge(g[slot], v.dist);
    }
  }
  let first = Infinity;
  let last = -Infinity;
  for (const v of read(Kind.variantSpan).values()) {
    if (!keep(v.a, v.b) || !v.dist) continue;
    first = Math.min(first, v.dist.lo[0] ?? statsOf(v.dist).min * 1000);
    last = Math.max(last, v.dist.hi[v.dist.hi.length - 1] ?? statsOf(v.dist).max * 1000);
  }

  let total = 0;
  for (const g of groups.values()) total += g.n;
  const all = [...groups.values()]
    .filter((g) => g.n > 0)
    .map((g) => ({
      id: variantId(g.path),
      path: [...g.path],
      count: g.n,
      share: total > 0 ? g.n / total : 0,
      medianLeadTimeSeconds: g.lead ? statsOf(g.lead).p50 : 0,
      medianSiloDelaySeconds: g.silo ? statsOf(g.silo).p50 : 0,
    }));
  all.sort((a, b) => b.count - a.count || a.medianLeadTimeSeconds - b.medianLeadTimeSeconds || (a.id < b.id ? -1 : 1));
  return {
    journeys: total,
    firstStartedAt: total > 0 && first !== Infinity ? new Date(first).toISOString() : null,
    lastEventAt: total > 0 && last !== -Infinity ? new Date(last).toISOString() : null,
    total: all.length,
    variants: all.slice(0, limit),
  };
}
