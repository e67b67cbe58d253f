import * as d3 from 'd3';
import type { JourneyTimeline } from '@journeys/contracts';
import { swimlaneModel } from './model.ts';
import { SWIM_COLOURS } from './swimlanes.ts';
import { formatDuration, formatInstant } from './format.ts';

/** One journey's timeline: its own small blueprint (SVG: a handful of bars) and its figures. */
export function renderTimeline(container: HTMLElement, t: JourneyTimeline): void {
  const root = d3.select(container);
  root.selectChildren().remove();
  root.attr('data-journey', t.journeyId);
  root.append('h3').text(`Journey ${t.journeyId}`);
  const facts: [string, string][] = [
    ['type', t.journeyType ?? '–'],
    ['state', t.state + (t.outcome ? ` (${t.outcome})` : '')],
    ['started', formatInstant(t.startedAt)],
    ['lead time', formatDuration(t.totals.leadTimeSeconds)],
    ['work', formatDuration(t.totals.workSeconds)],
    ['waiting between departments', formatDuration(t.totals.waitSeconds)],
    ['waiting on the customer', formatDuration(t.totals.customerWaitSeconds)],
    ['flow efficiency', t.totals.flowEfficiency === null ? '–' : `${Math.round(t.totals.flowEfficiency * 100)}%`],
    ['ping-pong', String(t.pingPongCount)],
    ['SLA', t.sla.state + (t.sla.promisedBy ? ` (promised ${formatInstant(t.sla.promisedBy)})` : '')],
  ];
  root
    .append('dl')
    .attr('class', 'facts')
    .selectAll('div')
    .data(facts)
    .join('div')
    .call((div) => div.append('dt').text((d) => d[0]))
    .call((div) => div.append('dd').text((d) => d[1]));

  const m = swimlaneModel([t]);
  const row = m.rows[0];
  if (!row) return;
  const laneH = 24;
  const margin = { top: 24, right: 16, bottom: 8, left: 130 };
  const width = Math.max(480, container.clientWidth || 720);
  const height = margin.top + m.lanes.length * laneH + margin.bottom;
  const x = d3
    .scaleUtc()
    .domain([row.start, Math.max(row.end, row.start + 1)])
    .range([margin.left, width - margin.right]);
  const svg = root.append('svg').attr('class', 'timeline').attr('width', width).attr('height', height);
  svg
    .append('g')
    .attr('transform', `translate(0,${margin.top})`)
    .call(d3.axisTop(x).ticks(Math.max(2, Math.floor(width / 130))));
  svg
    .append('g')
    .selectAll('text')
    .data(m.lanes)
    .join('text')
    .attr('class', 'lane')
    .attr('x', margin.left - 8)
    .attr('y', (_, i) => margin.top + i * laneH + laneH / 2)
    .attr('dy', '0.35em')
    .text((d) => d);
  svg
    .append('g')
    .selectAll('rect')
    .data(row.segments)
    .join('rect')
    .attr('class', (d) => `seg ${d.kind}`)
    .attr('x', (d) => x(d.start))
    .attr('width', (d) => Math.max(1, x(d.end) - x(d.start)))
    .attr('y', (d) => margin.top + d.lane * laneH + 3)
    .attr('height', laneH - 6)
    .attr('fill', (d) => SWIM_COLOURS[d.kind])
    .append('title')
    .text((d) => `${d.kind}: ${formatDuration((d.end - d.start) / 1000)} (${m.lanes[d.lane]})`);

  const handoffs = root.append('table').attr('class', 'handoffs');
  handoffs
    .append('thead')
    .append('tr')
    .selectAll('th')
    .data(['from', 'to', 'requested', 'started', 'delay'])
    .join('th')
    .text((d) => d);
  handoffs
    .append('tbody')
    .selectAll('tr')
    .data(t.handoffs)
    .join('tr')
    .selectAll('td')
    .data((h) => [h.from, h.to, formatInstant(h.requestedAt), formatInstant(h.startedAt), formatDuration(h.delaySeconds)])
    .join('td')
    .text((d) => d);
}
