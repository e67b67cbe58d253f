import * as d3 from 'd3';
import type { JourneyTimeline } from '@journeys/contracts';
import { swimlaneModel, type SwimModel, type SwimRow } from './model.ts';
import { formatDuration, formatInstant } from './format.ts';
import type { Tooltip } from './tooltip.ts';

export const SWIM_COLOURS = { work: '#2f6fb0', wait: '#e8900c', customer: '#8a5cc9', touch: '#222' } as const;

export interface SwimlaneView {
  update(timelines: readonly JourneyTimeline[]): void;
  setTimeMode(mode: 'relative' | 'absolute'): void;
  readonly canvas: HTMLCanvasElement;
  readonly model: SwimModel | null;
}

const MARGIN = { top: 28, right: 16, bottom: 8, left: 130 };

/**
 * A service blueprint: the customer lane over one lane per department, every journey a
 * thin row in each lane (stacked by lead time), work in blue, queueing in amber, customer
 * waits apart in the customer lane. Drawn on canvas (thousands of journeys × steps would
 * be hundreds of thousands of SVG nodes); the axis and lane labels are SVG on top.
 */
export function createSwimlaneView(
  container: HTMLElement,
  tooltip: Tooltip,
  handlers: { onJourneyClick?: (journeyId: string) => void } = {},
): SwimlaneView {
  const wrap = d3.select(container).append('div').attr('class', 'swimlanes');
  const canvas = wrap.append('canvas').attr('class', 'swim-canvas').attr('role', 'img').node()!;
  const overlay = wrap.append('svg').attr('class', 'swim-overlay');
  const gAxis = overlay.append('g').attr('class', 'axis');
  const gLanes = overlay.append('g').attr('class', 'lanes');
  const ctx = canvas.getContext('2d')!;

  let model: SwimModel | null = null;
  let mode: 'relative' | 'absolute' = 'relative';
  let transform = d3.zoomIdentity;
  let width = 0;
  let height = 0;
  let laneHeight = 0;

  const zoom = d3
    .zoom<HTMLCanvasElement, unknown>()
    .scaleExtent([1, 500])
    .on('zoom', (event: d3.D3ZoomEvent<HTMLCanvasElement, unknown>) => {
      transform = event.transform;
      draw();
    });
  d3.select(canvas).call(zoom).on('dblclick.zoom', null);

  // zoom and pan act on time only; the lanes keep their place
  function relativeScale(): d3.ScaleLinear<number, number> {
    return transform.rescaleX(
      d3
        .scaleLinear()
        .domain([0, Math.max(1, model!.maxLead)])
        .range([MARGIN.left, width - MARGIN.right]),
    );
  }
  function absoluteScale(): d3.ScaleTime<number, number> {
    return transform.rescaleX(
      d3
        .scaleUtc()
        .domain([model!.minTime, model!.maxTime])
        .range([MARGIN.left, width - MARGIN.right]),
    );
  }

  function resize(): void {
    const m = model!;
    width = Math.max(480, container.clientWidth || 960);
    laneHeight = Math.max(48, Math.min(150, m.rows.length * 8));
    height = MARGIN.top + m.lanes.length * laneHeight + MARGIN.bottom;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    overlay.attr('width', width).attr('height', height);
    canvas.setAttribute('aria-label', `Swimlanes of ${m.rows.length} journeys across ${m.lanes.length - 1} departments`);
    canvas.dataset.bars = String(m.rows.reduce((a, r) => a + r.segments.length, 0));
  }

  function draw(): void {
    if (!model) return;
    const m = model;
    const x: (v: number) => number = mode === 'relative' ? relativeScale() : absoluteScale();
    ctx.clearRect(0, 0, width, height);
    const rowH = laneHeight / Math.max(1, m.rows.length);
    // lane backgrounds
    m.lanes.forEach((_, i) => {
      ctx.fillStyle = i === 0 ? '#f4effb' : i % 2 ? '#fafafa' : '#f1f3f5';
      ctx.fillRect(MARGIN.left, MARGIN.top + i * laneHeight, width - MARGIN.left - MARGIN.right, laneHeight);
    });
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top, width - MARGIN.left - MARGIN.right, m.lanes.length * laneHeight);
    ctx.clip();
    const rel = mode === 'relative';
    const h = Math.max(rowH - (rowH > 3 ? 1 : 0), 0.6);
    // one pass per colour: changing fillStyle per rect is the slow part of canvas drawing
    for (const kind of ['wait', 'work', 'customer'] as const) {
      ctx.fillStyle = SWIM_COLOURS[kind];
      for (let r = 0; r < m.rows.length; r++) {
        const row = m.rows[r]!;
        const offset = rel ? row.start : 0;
        for (const s of row.segments) {
          if (s.kind !== kind) continue;
          const x0 = x(rel ? (s.start - offset) / 1000 : s.start);
          const x1 = x(rel ? (s.end - offset) / 1000 : s.end);
          if (x1 < MARGIN.left || x0 > width) continue;
          ctx.fillRect(x0, MARGIN.top + s.lane * laneHeight + r * rowH, Math.max(0.7, x1 - x0), h);
        }
      }
    }
    if (rowH >= 3) {
      ctx.fillStyle = SWIM_COLOURS.touch;
      for (let r = 0; r < m.rows.length; r++) {
        const row = m.rows[r]!;
        for (const t of row.touchpoints) {
          const px = x(rel ? (t - row.start) / 1000 : t);
          ctx.fillRect(px - 1, MARGIN.top + r * rowH, 2, h);
        }
      }
    }
    ctx.restore();

    const g = gAxis.attr('transform', `translate(0,${MARGIN.top})`);
    if (mode === 'relative') {
      g.call(
        d3
          .axisTop(relativeScale())
          .ticks(Math.max(2, Math.floor(width / 110)))
          .tickFormat((v) => formatDuration(Number(v))),
      );
    } else g.call(d3.axisTop(absoluteScale()).ticks(Math.max(2, Math.floor(width / 130))));
    gLanes
      .selectAll('text')
      .data(m.lanes)
      .join('text')
      .attr('x', MARGIN.left - 8)
      .attr('y', (_, i) => MARGIN.top + i * laneHeight + laneHeight / 2)
      .attr('dy', '0.35em')
      .attr('class', (_, i) => (i === 0 ? 'lane customer' : 'lane'))
      .text((d) => d);
  }

  function rowAt(event: MouseEvent): SwimRow | null {
    if (!model || model.rows.length === 0) return null;
    const rect = canvas.getBoundingClientRect();
    const y = event.clientY - rect.top - MARGIN.top;
    const xpx = event.clientX - rect.left;
    if (y < 0 || xpx < MARGIN.left) return null;
    const within = y % laneHeight;
    const r = Math.floor(within / (laneHeight / model.rows.length));
    return model.rows[r] ?? null;
  }

  d3.select(canvas)
    .on('mousemove', (event: MouseEvent) => {
      const row = rowAt(event);
      if (!row) return tooltip.hide();
      tooltip.show(event, row.journeyId, [
        ['lead time', formatDuration(row.leadTimeSeconds)],
        ['started', formatInstant(new Date(row.start).toISOString())],
        ['waiting', formatDuration(row.segments.filter((s) => s.kind === 'wait').reduce((a, s) => a + s.end - s.start, 0) / 1000)],
        ['worked', formatDuration(row.segments.filter((s) => s.kind === 'work').reduce((a, s) => a + s.end - s.start, 0) / 1000)],
        ['', 'click to open its timeline'],
      ]);
    })
    .on('mouseleave', () => tooltip.hide())
    .on('click', (event: MouseEvent) => {
      const row = rowAt(event);
      if (row) handlers.onJourneyClick?.(row.journeyId);
    });

  return {
    update(timelines) {
      model = swimlaneModel(timelines);
      resize();
      draw();
    },
    setTimeMode(next) {
      mode = next;
      transform = d3.zoomIdentity;
      d3.select(canvas).call((sel) => zoom.transform(sel, d3.zoomIdentity));
      draw();
    },
    canvas,
    get model() {
      return model;
    },
  };
}
