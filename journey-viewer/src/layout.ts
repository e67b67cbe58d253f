import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';

export interface LaidNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface LaidEdge {
  id: string;
  from: string;
  to: string;
  points: [number, number][];
  label: { x: number; y: number };
}
export interface Layout {
  width: number;
  height: number;
  nodes: Map<string, LaidNode>;
  edges: Map<string, LaidEdge>;
}

export const edgeId = (from: string, to: string) => `${from}\u2192${to}`;

// ELK is most of the bundle: load it on first layout so the page and the widget start light.
let elk: Promise<ELK> | null = null;
const getElk = () => (elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default()));
const cache = new Map<string, Promise<Layout>>();

/**
 * Starts loading ELK and lays out a two-node graph while the page waits for the process
 * map: the bundle's parse and its first run (class set-up, JIT) then overlap the request
 * instead of following it, which is most of the first view's time on a cold page.
 */
export function preloadLayout(): void {
  void getElk()
    .then((e) =>
      e.layout({
        id: 'warm-up',
        layoutOptions: { 'elk.algorithm': 'layered', 'elk.edgeRouting': 'POLYLINE' },
        children: [
          { id: 'a', width: 10, height: 10 },
          { id: 'b', width: 10, height: 10 },
        ],
        edges: [{ id: 'a-b', sources: ['a'], targets: ['b'] }],
      }),
    )
    .catch(() => undefined);
}

/**
 * Layered (Sugiyama) layout by ELK: it breaks cycles itself, so rework loops and
 * ping-pong between two departments draw as back edges instead of failing. Results are
 * cached by graph shape so live updates and sliders never make the map jump.
 */
export function layoutGraph(nodes: readonly string[], edges: readonly { from: string; to: string }[]): Promise<Layout> {
  const key = JSON.stringify([[...nodes].sort(), edges.map((e) => edgeId(e.from, e.to)).sort()]);
  let hit = cache.get(key);
  if (!hit) {
    hit = run(nodes, edges);
    cache.set(key, hit);
    if (cache.size > 20) cache.delete(cache.keys().next().value!);
  }
  return hit;
}

/**
 * Above this many departments the map is laid out the cheap way: straight-segment routing
 * and labels at the edges' midpoints, not as ELK label nodes. Spline routing with label
 * nodes costs ELK seconds on a few dozen nodes (measured in `pnpm bench render`).
 */
const FAST_LAYOUT_NODES = 15;

async function run(nodes: readonly string[], edges: readonly { from: string; to: string }[]): Promise<Layout> {
  const fast = nodes.length > FAST_LAYOUT_NODES;
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': fast ? 'POLYLINE' : 'SPLINES',
      ...(fast ? { 'elk.layered.thoroughness': '1', 'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF' } : {}),
      'elk.layered.spacing.nodeNodeBetweenLayers': '110',
      'elk.spacing.nodeNode': '50',
      'elk.spacing.edgeEdge': '14',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.cycleBreaking.strategy': 'GREEDY',
      'elk.padding': '[top=20,left=20,bottom=20,right=20]',
    },
    children: nodes.map((id) => ({ id, width: Math.max(140, 8 * id.length + 30), height: 52 })),
    edges: edges.map((e): ElkExtendedEdge => ({
      id: edgeId(e.from, e.to),
      sources: [e.from],
      targets: [e.to],
      ...(fast ? {} : { labels: [{ text: 'label', width: 64, height: 14 }] }),
    })),
  };
  const out = await (await getElk()).layout(graph);
  const laidNodes = new Map<string, LaidNode>();
  for (const c of out.children ?? []) {
    laidNodes.set(c.id, { id: c.id, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 });
  }
  const laidEdges = new Map<string, LaidEdge>();
  for (const e of out.edges ?? []) {
    const [from] = e.sources;
    const [to] = e.targets;
    const points: [number, number][] = [];
    for (const s of e.sections ?? []) {
      points.push([s.startPoint.x, s.startPoint.y]);
      for (const b of s.bendPoints ?? []) points.push([b.x, b.y]);
      points.push([s.endPoint.x, s.endPoint.y]);
    }
    const l = e.labels?.[0];
    const mid = midpoint(points);
    laidEdges.set(e.id, {
      id: e.id,
      from: from!,
      to: to!,
      points,
      label:
        l && l.x !== undefined && l.y !== undefined
          ? { x: l.x + (l.width ?? 0) / 2, y: l.y + (l.height ?? 0) / 2 }
          : { x: mid[0], y: mid[1] },
    });
  }
  return { width: out.width ?? 0, height: out.height ?? 0, nodes: laidNodes, edges: laidEdges };
}

/** The point halfway along a polyline (where an edge's label goes without an ELK label). */
function midpoint(points: [number, number][]): [number, number] {
  if (points.length === 0) return [0, 0];
  let total = 0;
  for (let i = 1; i < points.length; i++) total += Math.hypot(points[i]![0] - points[i - 1]![0], points[i]![1] - points[i - 1]![1]);
  let left = total / 2;
  for (let i = 1; i < points.length; i++) {
    const [ax, ay] = points[i - 1]!;
    const [bx, by] = points[i]!;
    const len = Math.hypot(bx - ax, by - ay);
    if (left <= len && len > 0) return [ax + ((bx - ax) * left) / len, ay + ((by - ay) * left) / len];
    left -= len;
  }
  return points[points.length - 1]!;
}
