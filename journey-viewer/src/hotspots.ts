import * as d3 from 'd3';
import type { Hotspot } from './model.ts';
import { formatCount, formatDuration } from './format.ts';

/**
 * Department pairs ranked by the waiting they cause (count × median delay) or by how often
 * they send work back (ping-pong): a bar chart of the top pairs over a full table.
 */
export function renderHotspots(
  container: HTMLElement,
  rows: readonly Hotspot[],
  by: 'delay' | 'pingPong',
  onPick?: (h: Hotspot) => void,
): void {
  const root = d3.select(container);
  const top = rows.slice(0, 12);
  const value = (h: Hotspot) => (by === 'delay' ? h.delayCaused : h.pingPong);
  const margin = { top: 24, right: 80, bottom: 8, left: 230 };
  const barH = 22;
  const width = Math.max(560, container.clientWidth || 900);
  const height = margin.top + top.length * barH + margin.bottom;
  const label = (h: Hotspot) => `${h.from} → ${h.to}`;
  const x = d3
    .scaleLinear()
    .domain([0, d3.max(top, value) || 1])
    .nice()
    .range([margin.left, width - margin.right]);
  const y = d3
    .scaleBand<string>()
    .domain(top.map(label))
    .range([margin.top, height - margin.bottom])
    .padding(0.15);

  const svg = root
    .selectAll<SVGSVGElement, null>('svg.hotspot-chart')
    .data([null])
    .join('svg')
    .attr('class', 'hotspot-chart')
    .attr('width', width)
    .attr('height', height);
  svg
    .selectAll<SVGGElement, null>('g.x-axis')
    .data([null])
    .join('g')
    .attr('class', 'x-axis')
    .attr('transform', `translate(0,${margin.top})`)
    .call(
      d3
        .axisTop(x)
        .ticks(Math.max(2, Math.floor(width / 140)))
        .tickFormat((v) => (by === 'delay' ? formatDuration(Number(v)) : formatCount(Number(v)))),
    );
  svg
    .selectAll<SVGGElement, null>('g.y-axis')
    .data([null])
    .join('g')
    .attr('class', 'y-axis')
    .attr('transform', `translate(${margin.left},0)`)
    .call(d3.axisLeft(y).tickSizeOuter(0));
  svg
    .selectAll<SVGGElement, null>('g.bars')
    .data([null])
    .join('g')
    .attr('class', 'bars')
    .selectAll<SVGGElement, Hotspot>('g.bar')
    .data(top, label)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'bar');
      g.append('rect');
      g.append('text');
      return g;
    })
    .on('click', (_e, d) => onPick?.(d))
    .call((g) =>
      g
        .select('rect')
        .attr('x', x(0))
        .attr('y', (d) => y(label(d))!)
        .attr('height', y.bandwidth())
        .attr('width', (d) => Math.max(0, x(value(d)) - x(0))),
    )
    .call((g) =>
      g
        .select('text')
        .attr('x', (d) => x(value(d)) + 4)
        .attr('y', (d) => y(label(d))! + y.bandwidth() / 2)
        .attr('dy', '0.35em')
        .text((d) => (by === 'delay' ? formatDuration(d.delayCaused) : formatCount(d.pingPong))),
    );

  const table = root
    .selectAll<HTMLTableElement, null>('table.hotspots')
    .data([null])
    .join((enter) => {
      const t = enter.append('table').attr('class', 'hotspots');
      t.append('thead')
        .append('tr')
        .selectAll('th')
        .data(['#', 'from', 'to', 'handoffs', 'median delay', 'p90 delay', 'delay caused', 'ping-pong'])
        .join('th')
        .text((d) => d);
      t.append('tbody');
      return t;
    });
  table
    .select('tbody')
    .selectAll<HTMLTableRowElement, Hotspot>('tr')
    .data(rows, label)
    .join('tr')
    .attr('data-from', (d) => d.from)
    .attr('data-to', (d) => d.to)
    .order()
    .selectAll('td')
    .data((d) => [
      String(rows.indexOf(d) + 1),
      d.from,
      d.to,
      formatCount(d.count),
      formatDuration(d.p50),
      formatDuration(d.p90),
      formatDuration(d.delayCaused),
      formatCount(d.pingPong),
    ])
    .join('td')
    .text((d) => d);
}
