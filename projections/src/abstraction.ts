import type { AbstractedProcessMap, MapAbstraction, ProcessMap } from '@journeys/contracts';

/**
 * The journey map cut down to what a reader can take in, Disco-style: the busiest
 * departments (or a department and its neighbours), then the strongest handoff edges among
 * them, by handoffs or by the waiting they cause. Pure, over a whole ProcessMap, so any read
 * store serves it. Nothing is dropped silently: what is not drawn is counted in
 * `abstraction.hidden`. No option given: the map unchanged (no `abstraction` field).
 */
type Edge = ProcessMap['edges'][number];
type Department = ProcessMap['departments'][number];

export interface AbstractionContext {
  /** The org-unit level the map was rolled up to (reported back), if any. */
  groupBy?: string | null;
}

const key = (from: string, to: string) => `${from}\u0000${to}`;

export function abstractMap(map: ProcessMap, options: MapAbstraction = {}, context: AbstractionContext = {}): AbstractedProcessMap {
  const groupBy = context.groupBy ?? null;
  if (options.departments === undefined && options.paths === undefined && options.focus === undefined && groupBy === null) return map;
  const pathsBy = options.pathsBy ?? 'journeys';
  const weight = pathsBy === 'delay' ? (e: Edge) => e.delay.sum : (e: Edge) => e.count;
  const byWeight = (a: Edge, b: Edge) => weight(b) - weight(a) || b.count - a.count || (key(a.from, a.to) < key(b.from, b.to) ? -1 : 1);

  // Every department the map names, edges' ends included (a handoff to one that never worked yet).
  const rows = new Map<string, Department>(map.departments.map((d) => [d.department, d]));
  for (const e of map.edges) for (const n of [e.from, e.to]) if (!rows.has(n)) rows.set(n, emptyDepartment(n));
  const busiest = [...rows.values()].sort(
    (a, b) => b.journeys - a.journeys || b.events - a.events || (a.department < b.department ? -1 : a.department > b.department ? 1 : 0),
  );

  let candidates = busiest;
  if (options.focus !== undefined) {
    const near = new Set<string>([options.focus]);
    for (const e of map.edges) {
      if (e.from === options.focus) near.add(e.to);
      if (e.to === options.focus) near.add(e.from);
    }
    candidates = busiest.filter((d) => near.has(d.department));
  }
  const limit = options.departments ?? candidates.length;
  const shown = new Set(candidates.slice(0, limit).map((d) => d.department));
  if (options.focus !== undefined && rows.has(options.focus)) shown.add(options.focus);

  const inside = map.edges.filter((e) => shown.has(e.from) && shown.has(e.to)).sort(byWeight);
  const kept = new Set<string>();
  const maxPaths = options.paths ?? inside.length;
  for (const e of inside.slice(0, maxPaths)) kept.add(key(e.from, e.to));
  // A drawn department keeps its strongest edge, so the map has no islands the slider made.
  const touched = new Set<string>();
  for (const e of inside) if (kept.has(key(e.from, e.to))) touched.add(e.from).add(e.to);
  if (maxPaths > 0) {
    for (const e of inside) {
      if (touched.has(e.from) && touched.has(e.to)) continue;
      kept.add(key(e.from, e.to));
      touched.add(e.from).add(e.to);
    }
  }

  let allHandoffs = 0;
  let hiddenHandoffs = 0;
  let hiddenDelay = 0;
  let hiddenEdges = 0;
  const edges: Edge[] = [];
  for (const e of map.edges) {
    allHandoffs += e.count;
    if (kept.has(key(e.from, e.to))) edges.push(e);
    else {
      hiddenEdges++;
      hiddenHandoffs += e.count;
      hiddenDelay += e.delay.sum;
    }
  }
  const departments = busiest.filter((d) => shown.has(d.department));
  return {
    departments,
    edges,
    activities: map.activities,
    abstraction: {
      pathsBy,
      focus: options.focus ?? null,
      groupBy,
      departments: { shown: departments.length, total: rows.size },
      edges: { shown: edges.length, total: map.edges.length },
      hidden: {
        departments: rows.size - departments.length,
        edges: hiddenEdges,
        handoffs: hiddenHandoffs,
        handoffShare: allHandoffs > 0 ? hiddenHandoffs / allHandoffs : 0,
        delaySeconds: hiddenDelay,
      },
    },
  };
}

function emptyDepartment(department: string): Department {
  const zero = { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0, sum: 0 };
  return { department, journeys: 0, events: 0, work: zero, queue: { ...zero }, wip: 0, queueLength: 0 };
}
