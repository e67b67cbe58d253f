import * as d3 from 'd3';
import type { DepartmentFocus } from '@journeys/contracts';
import { formatCount, formatDuration } from './format.ts';

type FocusEdge = DepartmentFocus['incoming'][number];

/**
 * One department close up, from GET /api/analytics/focus: its queue now, the handoffs into
 * and out of it ranked by the waiting they cause, its neighbours and the journeys waiting.
 * Every figure is the server's.
 */
export function renderFocus(
  panel: HTMLElement,
  f: DepartmentFocus,
  on: { department: (name: string) => void; journey: (id: string) => void; close: () => void },
): void {
  panel.hidden = false;
  const root = d3.select(panel);
  root.selectChildren().remove();
  root.attr('data-department', f.department);
  root.append('button').attr('class', 'close').attr('aria-label', 'Close the focus').text('×').on('click', on.close);
  root.append('h3').text(f.department);
  const w = f.workload;
  root
    .append('p')
    .attr('class', 'focus-now')
    .attr('data-queue', w?.queueLength ?? 0)
    .attr('data-wip', w?.wip ?? 0)
    .text(
      `${formatCount(f.journeys)} journeys · queue now ${formatCount(w?.queueLength ?? 0)} · in work ${formatCount(w?.wip ?? 0)}` +
        (w?.oldestWaiting ? ` · oldest waiting ${w.oldestWaiting.journeyId} (${formatDuration(w.oldestWaiting.waitingSeconds)})` : '') +
        ` · median work ${formatDuration(f.work.p50)} · median queue ${formatDuration(f.queue.p50)}`,
    );

  const table = (title: string, cls: string, rows: FocusEdge[], other: (e: FocusEdge) => string) => {
    const t = root.append('table').attr('class', cls);
    t.append('caption').text(title);
    t.append('thead')
      .append('tr')
      .selectAll('th')
      .data(['department', 'handoffs', 'median delay', 'p90', 'delay caused'])
      .join('th')
      .attr('scope', 'col')
      .text((d) => d);
    const tr = t
      .append('tbody')
      .selectAll('tr')
      .data(rows.slice(0, 15))
      .join('tr')
      .attr('data-from', (d) => d.from)
      .attr('data-to', (d) => d.to)
      .attr('data-delay-caused', (d) => d.delayCausedSeconds);
    tr.append('td')
      .append('button')
      .attr('type', 'button')
      .attr('class', 'link')
      .text(other)
      .on('click', (_e, d) => on.department(other(d)));
    tr.selectAll('td.n')
      .data((d) => [formatCount(d.count), formatDuration(d.delay.p50), formatDuration(d.delay.p90), formatDuration(d.delayCausedSeconds)])
      .join('td')
      .attr('class', 'n')
      .text((d) => d);
    if (rows.length > 15) root.append('p').text(`and ${rows.length - 15} more`);
  };
  table('Handoffs in, most delay caused first', 'focus-in', f.incoming, (e) => e.from);
  table('Handoffs out, most delay caused first', 'focus-out', f.outgoing, (e) => e.to);

  root.append('h4').text(`Journeys waiting here now: ${formatCount(f.waitingTotal)}`);
  root
    .append('ul')
    .attr('class', 'journey-list waiting')
    .selectAll('li')
    .data(f.waiting)
    .join('li')
    .append('button')
    .attr('type', 'button')
    .attr('data-journey', (d) => d.journeyId)
    .text((d) => `${d.journeyId} · waiting ${formatDuration(d.waitingSeconds)}${d.from ? ` · from ${d.from}` : ''}`)
    .on('click', (_e, d) => on.journey(d.journeyId));
}
