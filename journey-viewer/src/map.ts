import * as d3 from 'd3';
import type { ProcessMap } from '@journeys/contracts';
import { edgeId, layoutGraph, type LaidEdge, type LaidNode, type Layout } from './layout.ts';
import { formatCount, formatDuration } from './format.ts';
import type { Token } from './model.ts';
import type { Tooltip } from './tooltip.ts';

type Department = ProcessMap['departments'][number];
type Edge = ProcessMap['edges'][number];

export interface MapOptions {
  mode: 'frequency' | 'performance';
  stat: 'p50' | 'p90';
}

export interface MapOverlay {
  queues?: Map<string, { queue: number; wip: number }>;
  tokens?: Token[];
}

export interface MapView {
  /** `shape`: lay out this graph instead (the replay keeps the full map's places while counts change). */
  update(map: ProcessMap, options: MapOptions, shape?: ProcessMap): Promise<void>;
  overlay(overlay: MapOverlay): void;
  zoomBy(factor: number): void;
  fit(): void;
  readonly svg: SVGSVGElement;
}

interface EdgeDatum {
  edge: Edge;
  laid: LaidEdge;
}
interface NodeDatum {
  dept: Department;
  laid: LaidNode;
  /** rank by journeys, 0 = busiest: who keeps a label when zoomed out */
  rank: number;
}

/** No text on the map is ever drawn smaller than this on screen (semantic zoom hides it instead). */
export const MIN_LABEL_PX = 11;
/** Font sizes in layout units (see style.css): names and edge labels 13, sub-lines 12. */
const NAME_PX = 13;
const SUB_PX = 12;
/** Zoom factor from which the full labels are at least MIN_LABEL_PX. */
const FULL_DETAIL_K = MIN_LABEL_PX / NAME_PX;

const line = d3
  .line<[number, number]>()
  .x((p) => p[0])
  .y((p) => p[1])
  .curve(d3.curveBasis);

/**
 * Colour scales that read for colour-blind readers too: delay on a single-hue-ramp of
 * inferno (lightness alone carries it), work share on purple–orange (PuOr), volume in blues.
 */
const delayColour = (t: number) => d3.interpolateInferno(0.82 - 0.62 * t);
const workShareColour = (s: number) => d3.interpolatePuOr(0.2 + 0.6 * s);

/**
 * The process map: departments as nodes, handoffs as edges, laid out by ELK, drawn as one
 * D3 data join per layer. Zoom and pan are semantic: below the zoom at which a label is
 * 11 px on screen, full labels give way to the busiest departments' names at 11 px (those
 * that do not collide), and edge labels and sub-lines appear again as you zoom in.
 */
export function createMapView(
  container: HTMLElement,
  tooltip: Tooltip,
  handlers: { onEdgeClick?: (edge: Edge) => void; onNodeClick?: (department: Department) => void; label?: string } = {},
): MapView {
  const svg = d3
    .select(container)
    .append('svg')
    .attr('class', 'process-map')
    .attr('role', 'group')
    .attr('aria-label', handlers.label ?? 'Process map: departments and the handoffs between them. Tab to a department or a handoff, Enter to open it.');
  const root = svg.append('g').attr('class', 'viewport');
  const gEdges = root.append('g').attr('class', 'edges');
  const gNodes = root.append('g').attr('class', 'nodes');
  const gLabels = root.append('g').attr('class', 'edge-labels');
  const gTokens = root.append('g').attr('class', 'tokens');

  let transform = d3.zoomIdentity;
  const zoom = d3
    .zoom<SVGSVGElement, unknown>()
    .scaleExtent([0.05, 8])
    .on('zoom', (event: d3.D3ZoomEvent<SVGSVGElement, unknown>) => {
      transform = event.transform;
      root.attr('transform', transform.toString());
      semantic();
    });
  svg.call(zoom).on('dblclick.zoom', null);

  let layout: Layout | null = null;
  let current: ProcessMap | null = null;
  let laidKey = '';

  function edgeRows(edge: Edge): [string, string][] {
    const d = edge.delay;
    return [
      ['handoffs', formatCount(edge.count)],
      ['mean delay', formatDuration(d.mean)],
      ['median (p50)', formatDuration(d.p50)],
      ['p90', formatDuration(d.p90)],
      ['p99', formatDuration(d.p99)],
      ['min', formatDuration(d.min)],
      ['max', formatDuration(d.max)],
      ['total waiting', formatDuration(d.sum)],
      ...(edge.pingPong !== undefined ? ([['sent back (ping-pong)', formatCount(edge.pingPong)]] as [string, string][]) : []),
    ];
  }

  function nodeRows(d: Department): [string, string][] {
    const share = workShare(d);
    return [
      ['journeys', formatCount(d.journeys)],
      ['events', formatCount(d.events)],
      ['work (median)', formatDuration(d.work.p50)],
      ['work (p90)', formatDuration(d.work.p90)],
      ['queue (median)', formatDuration(d.queue.p50)],
      ['queue (p90)', formatDuration(d.queue.p90)],
      ['work share', share === null ? '–' : `${Math.round(share * 100)}%`],
      ['in work now', formatCount(d.wip)],
      ['queued now', formatCount(d.queueLength)],
      ...(d.members ? ([['teams in it', formatCount(d.members.length)]] as [string, string][]) : []),
    ];
  }

  /** Which text shows at the current zoom; none is ever under MIN_LABEL_PX on screen. */
  function semantic(): void {
    const k = transform.k;
    const full = k >= FULL_DETAIL_K;
    svg.classed('overview', !full);
    gLabels.style('display', full ? '' : 'none');
    gNodes.selectAll<SVGTextElement, NodeDatum>('text.sub').style('display', SUB_PX * k >= MIN_LABEL_PX ? '' : 'none');
    gNodes.selectAll<SVGTextElement, NodeDatum>('text.queue-count').style('display', SUB_PX * k >= MIN_LABEL_PX ? '' : 'none');
    const names = gNodes.selectAll<SVGTextElement, NodeDatum>('text.name');
    if (full) {
      names.style('display', null).style('font-size', null);
      return;
    }
    // Overview: the busiest names first, at MIN_LABEL_PX on screen, skipping any that would overlap.
    const size = MIN_LABEL_PX / k;
    const placed: [number, number, number, number][] = [];
    const show = new Set<string>();
    const nodes = names.data().slice().sort((a, b) => a.rank - b.rank);
    for (const n of nodes) {
      const w = n.dept.department.length * size * 0.62;
      const cx = n.laid.x + n.laid.width / 2;
      const cy = n.laid.y + n.laid.height / 2;
      const box: [number, number, number, number] = [cx - w / 2, cy - size * 0.7, cx + w / 2, cy + size * 0.7];
      if (placed.some((b) => b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3])) continue;
      placed.push(box);
      show.add(n.dept.department);
    }
    names.style('display', (d) => (show.has(d.dept.department) ? '' : 'none')).style('font-size', `${size}px`);
  }

  /** The whole map in view. */
  function fit(): void {
    if (!layout) return;
    const box = (svg.node() as SVGSVGElement).getBoundingClientRect();
    const W = box.width || 1000;
    const H = box.height || 560;
    // the whole map in view; when that is small, the overview names the busiest (semantic())
    const k = Math.max(0.05, Math.min(W / Math.max(layout.width, 1), H / Math.max(layout.height, 1), 1.6) * 0.97);
    const cx = layout.width / 2;
    const cy = layout.height / 2;
    svg.call(zoom.transform, d3.zoomIdentity.translate(W / 2 - cx * k, H / 2 - cy * k).scale(k));
  }

  async function update(map: ProcessMap, options: MapOptions, shape: ProcessMap = map): Promise<void> {
    current = map;
    const names: string[] = [];
    const known = new Set<string>();
    // An edge may name a department the map has no row for (a handoff to a department
    // that never worked yet): it still gets a node, so no edge dangles.
    const addName = (n: string) => {
      if (known.has(n)) return;
      known.add(n);
      names.push(n);
    };
    for (const m of [shape, map]) {
      for (const d of m.departments) addName(d.department);
      for (const e of m.edges) for (const n of [e.from, e.to]) addName(n);
    }
    const shapeEdges = new Map(shape.edges.map((e) => [edgeId(e.from, e.to), e]));
    for (const e of map.edges) if (!shapeEdges.has(edgeId(e.from, e.to))) shapeEdges.set(edgeId(e.from, e.to), e);
    layout = await layoutGraph(names, [...shapeEdges.values()]);
    const l = layout;

    const edges: EdgeDatum[] = map.edges.map((edge) => ({ edge, laid: l.edges.get(edgeId(edge.from, edge.to))! })).filter((d) => d.laid);
    const depts = new Map(map.departments.map((d) => [d.department, d]));
    const byJourneys = [...names].sort((a, b) => (depts.get(b)?.journeys ?? 0) - (depts.get(a)?.journeys ?? 0));
    const rank = new Map(byJourneys.map((n, i) => [n, i]));
    const nodes: NodeDatum[] = names.map((n) => ({ dept: depts.get(n) ?? emptyDepartment(n), laid: l.nodes.get(n)!, rank: rank.get(n)! }));

    const maxCount = d3.max(map.edges, (e) => e.count) ?? 1;
    const width = d3.scaleSqrt().domain([0, maxCount]).range([1.2, 16]);
    const delayOf = (e: Edge) => e.delay[options.stat];
    // colour spans the delays present, so the slowest handoffs stand out whatever the scale
    const [minDelay = 0, maxDelay = 1] = d3.extent(map.edges, delayOf);
    const heat = d3.scaleSequential(delayColour).domain([minDelay, Math.max(maxDelay, minDelay + 1)]);
    const maxJourneys = d3.max(map.departments, (d) => d.journeys) ?? 1;
    const volume = d3.scaleSequential((t) => d3.interpolateBlues(0.08 + 0.45 * t)).domain([0, maxJourneys]);
    const perf = options.mode === 'performance';
    const edgeColour = (e: Edge) => (perf ? heat(delayOf(e)) : '#5b6b7f');
    const edgeWidth = (e: Edge) => (perf ? Math.max(2, width(e.count) * 0.6) : width(e.count));

    gEdges
      .selectAll<SVGGElement, EdgeDatum>('g.edge')
      .data(edges, (d) => d.laid.id)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'edge').attr('role', 'button').attr('tabindex', 0);
        g.append('path').attr('class', 'hit');
        g.append('path').attr('class', 'line');
        g.append('path').attr('class', 'head');
        return g;
      })
      .attr('data-from', (d) => d.edge.from)
      .attr('data-to', (d) => d.edge.to)
      .attr('data-count', (d) => d.edge.count)
      .attr(
        'aria-label',
        (d) => `${d.edge.from} to ${d.edge.to}: ${d.edge.count} handoffs, median delay ${formatDuration(d.edge.delay.p50)}. Enter lists its journeys.`,
      )
      .on('mousemove', (event: MouseEvent, d) => tooltip.show(event, `${d.edge.from} → ${d.edge.to}`, edgeRows(d.edge)))
      .on('mouseleave', () => tooltip.hide())
      .on('click', (_event, d) => handlers.onEdgeClick?.(d.edge))
      .on('keydown', (event: KeyboardEvent, d) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          handlers.onEdgeClick?.(d.edge);
        }
      })
      .call((g) =>
        g
          .select('path.hit')
          .attr('d', (d) => line(d.laid.points))
          .attr('stroke-width', (d) => Math.max(14, edgeWidth(d.edge) + 8)),
      )
      .call((g) =>
        g
          .select('path.line')
          .attr('d', (d) => line(trimEnd(d.laid.points, 6 + edgeWidth(d.edge) * 0.7)))
          .attr('stroke', (d) => edgeColour(d.edge))
          .attr('stroke-width', (d) => edgeWidth(d.edge)),
      )
      .call((g) =>
        g
          .select('path.head')
          .attr('d', (d) => arrowHead(d.laid.points, edgeWidth(d.edge)))
          .attr('fill', (d) => edgeColour(d.edge)),
      );

    gLabels
      .selectAll<SVGTextElement, EdgeDatum>('text')
      .data(edges, (d) => d.laid.id)
      .join('text')
      .attr('x', (d) => d.laid.label.x)
      .attr('y', (d) => d.laid.label.y)
      .attr('dy', '0.35em')
      .text((d) => (perf ? formatDuration(delayOf(d.edge)) : formatCount(d.edge.count)));

    gNodes
      .selectAll<SVGGElement, NodeDatum>('g.node')
      .data(nodes, (d) => d.dept.department)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'node').attr('role', 'button').attr('tabindex', 0);
        g.append('rect').attr('rx', 8);
        g.append('text').attr('class', 'name').attr('dy', '-0.25em');
        g.append('text').attr('class', 'sub').attr('dy', '1.1em');
        g.append('g').attr('class', 'badge');
        return g;
      })
      .attr('data-department', (d) => d.dept.department)
      .attr('data-journeys', (d) => d.dept.journeys)
      // named by its visible text (name, count, queue badge), so what is read is what is seen
      .attr('transform', (d) => `translate(${d.laid.x},${d.laid.y})`)
      .on('mousemove', (event: MouseEvent, d) => tooltip.show(event, d.dept.department, nodeRows(d.dept)))
      .on('mouseleave', () => tooltip.hide())
      .on('click', (_event, d) => handlers.onNodeClick?.(d.dept))
      .on('keydown', (event: KeyboardEvent, d) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          handlers.onNodeClick?.(d.dept);
        }
      })
      .call((g) =>
        g
          .select('rect')
          .attr('width', (d) => d.laid.width)
          .attr('height', (d) => d.laid.height)
          .attr('fill', (d) => {
            if (!perf) return volume(d.dept.journeys);
            const s = workShare(d.dept);
            return s === null ? '#eee' : workShareColour(s);
          }),
      )
      .call((g) =>
        g
          .select('text.name')
          .attr('x', (d) => d.laid.width / 2)
          .attr('y', (d) => d.laid.height / 2)
          .text((d) => d.dept.department),
      )
      .call((g) =>
        g
          .select('text.sub')
          .attr('x', (d) => d.laid.width / 2)
          .attr('y', (d) => d.laid.height / 2)
          .text((d) => {
            if (!perf) return `${formatCount(d.dept.journeys)} journeys`;
            const s = workShare(d.dept);
            return s === null ? 'no work yet' : `work ${Math.round(s * 100)}% · wait ${Math.round((1 - s) * 100)}%`;
          }),
      );
    // a new graph is fitted; the same graph (a slider on counts, live data) keeps the reader's zoom
    const key = `${l.width}x${l.height}:${names.length}`;
    if (key !== laidKey) {
      laidKey = key;
      fit();
    } else semantic();
  }

  function overlay(o: MapOverlay): void {
    if (!layout || !current) return;
    const l = layout;
    const queues = o.queues ?? new Map<string, { queue: number; wip: number }>();
    gNodes.selectAll<SVGGElement, NodeDatum>('g.node').each(function (d) {
      const q = queues.get(d.dept.department);
      const badge = d3.select(this).select<SVGGElement>('g.badge');
      badge
        .selectAll('text')
        .data(q ? [q] : [])
        .join('text')
        .attr('class', 'queue-count')
        .attr('data-department', d.dept.department)
        .attr('data-queue', (v) => v.queue)
        .attr('data-wip', (v) => v.wip)
        .attr('x', d.laid.width / 2)
        .attr('y', d.laid.height + 15)
        .text((v) => `queue ${v.queue} · in work ${v.wip}`);
    });
    semantic();

    // Tokens: several cases at one department share a small jittered cloud, so counts show.
    const tokens = (o.tokens ?? [])
      .map((t) => ({ t, p: tokenPoint(t, l) }))
      .filter((d): d is { t: Token; p: [number, number] } => d.p !== null);
    gTokens
      .selectAll<SVGCircleElement, { t: Token; p: [number, number] }>('circle')
      .data(tokens, (d) => d.t.journeyId)
      .join((enter) => enter.append('circle').attr('r', 3.2))
      .attr('class', (d) => `token ${d.t.kind}`)
      .attr('cx', (d) => d.p[0])
      .attr('cy', (d) => d.p[1]);
  }

  return {
    update,
    overlay,
    fit,
    zoomBy: (factor: number) => svg.transition().duration(200).call(zoom.scaleBy, factor),
    svg: svg.node()!,
  };
}

/** The line stops inside its arrowhead, so a thick edge does not show past the tip. */
function trimEnd(points: [number, number][], by: number): [number, number][] {
  const tip = points[points.length - 1];
  const prev = points[points.length - 2];
  if (!tip || !prev) return points;
  const len = Math.hypot(tip[0] - prev[0], tip[1] - prev[1]);
  if (len <= by) return points;
  const k = (len - by) / len;
  return [...points.slice(0, -1), [prev[0] + (tip[0] - prev[0]) * k, prev[1] + (tip[1] - prev[1]) * k]];
}

/** An arrowhead sized to its edge (a marker would be either lost on thick edges or huge on thin ones). */
function arrowHead(points: [number, number][], width: number): string {
  const tip = points[points.length - 1];
  const prev = points[points.length - 2];
  if (!tip || !prev) return '';
  const dx = tip[0] - prev[0];
  const dy = tip[1] - prev[1];
  const len = Math.hypot(dx, dy) || 1;
  const [ux, uy] = [dx / len, dy / len];
  const long = 7 + width * 0.8;
  const half = 3.5 + width * 0.6;
  const bx = tip[0] - ux * long;
  const by = tip[1] - uy * long;
  return `M${tip[0]},${tip[1]}L${bx - uy * half},${by + ux * half}L${bx + uy * half},${by - ux * half}Z`;
}

function tokenPoint(t: Token, l: Layout): [number, number] | null {
  const jitter = hash(t.journeyId);
  if (t.kind === 'edge') {
    const e = l.edges.get(edgeId(t.from, t.to));
    if (!e || e.points.length < 2) return null;
    return along(e.points, t.progress);
  }
  if (t.kind === 'customer' || t.department === null) return null;
  const n = l.nodes.get(t.department);
  if (!n) return null;
  // work sits inside the box, queue lines up along its top edge
  const x = n.x + 8 + ((jitter % 1000) / 1000) * (n.width - 16);
  const y = t.kind === 'work' ? n.y + n.height - 8 - (((jitter >> 10) % 100) / 100) * 10 : n.y - 5 - (((jitter >> 10) % 100) / 100) * 12;
  return [x, y];
}

function along(points: [number, number][], f: number): [number, number] {
  const lengths: number[] = [];
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    lengths.push(len);
    total += len;
  }
  let target = total * f;
  for (let i = 1; i < points.length; i++) {
    const len = lengths[i - 1]!;
    if (target <= len || i === points.length - 1) {
      const a = points[i - 1]!;
      const b = points[i]!;
      const k = len === 0 ? 0 : Math.min(1, target / len);
      return [a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k];
    }
    target -= len;
  }
  return points[0]!;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function workShare(d: Department): number | null {
  const total = d.work.sum + d.queue.sum;
  return total > 0 ? d.work.sum / total : null;
}

function emptyDepartment(department: string): Department {
  const zero = { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0, sum: 0 };
  return { department, journeys: 0, events: 0, work: zero, queue: zero, wip: 0, queueLength: 0 };
}
