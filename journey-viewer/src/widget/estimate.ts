import type { CustomerStatus } from '@journeys/contracts';
import type { Messages } from './messages.ts';

/**
 * The parts of the widget that show the completion estimate: the typical stages still ahead
 * (after the current one, as a parcel tracker's stepper) and the expected date with its
 * range. Only what the customer-safe status carries: dates and customer stage names.
 */
type El = (tag: string, attrs: Record<string, string>, text?: string) => HTMLElement;
type Time = (iso: string, f?: Intl.DateTimeFormat) => HTMLElement;

export const ESTIMATE_STYLE = `
li.ahead { color: #5a6478; }
li.ahead::before { background: #fff; border: 2px solid #8a94a6; width: 6px; height: 6px; }
.expected { margin: 0 0 .3rem; }
`;

export function stagesAheadItems(s: CustomerStatus, m: Messages, el: El): HTMLElement[] {
  if (s.state === 'completed' || !s.stagesAhead) return [];
  return s.stagesAhead.map((stage) => {
    const li = el('li', { class: 'ahead' }, stage);
    li.append(el('span', { class: 'sr-only' }, ` (${m.ahead})`));
    return li;
  });
}

export function expectedLine(s: CustomerStatus, m: Messages, el: El, time: Time, day: Intl.DateTimeFormat): HTMLElement | null {
  if (s.state === 'completed' || !s.expectedBy) return null;
  const p = el('p', { class: 'expected' }, `${m.expectedBy} `);
  p.append(time(s.expectedBy, day));
  const range = s.expectedRange;
  // A range within one day says nothing the date does not.
  if (range && day.format(new Date(range.from)) !== day.format(new Date(range.to))) {
    p.append(
      document.createTextNode(` (${m.between} `),
      time(range.from, day),
      document.createTextNode(` ${m.and} `),
      time(range.to, day),
      document.createTextNode(')'),
    );
  }
  if (s.trendingLate === true) p.append(document.createTextNode(' — '), el('span', { class: 'late' }, m.trendingLate));
  return p;
}
