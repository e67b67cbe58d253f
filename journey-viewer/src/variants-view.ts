import * as d3 from 'd3';
import type { Variants, Variant } from '@journeys/contracts';
import { formatCount, formatDuration } from './format.ts';

/**
 * The trace variants of the current filter (department paths), from GET
 * /api/analytics/variants: a share bar per variant over the table, most frequent first.
 * Clicking a variant shows its journeys in the swimlanes.
 */
export function renderVariants(container: HTMLElement, v: Variants, onPick: (variant: Variant) => void): void {
  const root = d3.select(container);
  const x = d3.scaleLinear().domain([0, d3.max(v.variants, (d) => d.share) || 1]).range([0, 120]);
  const table = root.selectAll<HTMLTableElement, null>('table').data([null]).join('table');
  table.selectAll('caption').data([null]).join('caption').text(`${formatCount(v.total)} variants over ${formatCount(v.journeys)} journeys`);
  table
    .selectAll('thead')
    .data([null])
    .join('thead')
    .selectAll('tr')
    .data([null])
    .join('tr')
    .selectAll('th')
    .data(['#', 'departments in order', 'journeys', 'share', 'median lead time', 'median silo delay'])
    .join('th')
    .attr('scope', 'col')
    .text((d) => d);
  const rows = table
    .selectAll('tbody')
    .data([null])
    .join('tbody')
    .selectAll<HTMLTableRowElement, Variant>('tr')
    .data(v.variants, (d) => d.id)
    .join((enter) => {
      const tr = enter.append('tr');
      tr.append('td').attr('class', 'rank');
      tr.append('td').attr('class', 'path').append('button').attr('type', 'button').attr('class', 'link');
      tr.append('td').attr('class', 'count');
      const share = tr.append('td').attr('class', 'share');
      share.append('svg').attr('width', 124).attr('height', 12).attr('aria-hidden', 'true').append('rect').attr('height', 12).attr('fill', '#2f6fb0');
      share.append('span');
      tr.append('td').attr('class', 'lead');
      tr.append('td').attr('class', 'silo');
      return tr;
    })
    .attr('data-variant', (d) => d.id)
    .attr('data-count', (d) => d.count);
  rows.select('td.rank').text((_d, i) => String(i + 1));
  rows
    .select('td.path button')
    .text((d) => d.path.join(' → '))
    .attr('title', (d) => `Show the ${d.count} journeys of this variant`)
    .on('click', (_e, d) => onPick(d));
  rows.select('td.count').text((d) => formatCount(d.count));
  rows.select('td.share rect').attr('width', (d) => x(d.share));
  rows.select('td.share span').text((d) => ` ${(d.share * 100).toFixed(1)}%`);
  rows.select('td.lead').text((d) => formatDuration(d.medianLeadTimeSeconds));
  rows.select('td.silo').text((d) => formatDuration(d.medianSiloDelaySeconds));
}
