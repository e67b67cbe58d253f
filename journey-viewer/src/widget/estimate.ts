import type { CustomerStatus } from '@journeys/contracts';

/**
 * The parts of the widget that show the completion estimate: the typical stages still ahead
 * (after the current one, as a parcel tracker's stepper) and the expected date with its range.
 * Only what the customer-safe status carries: dates and stage names.
 */
type El = (tag: string, attrs: Record<string, string>, text?: string) => HTMLElement;
type Time = (iso: string, f?: Intl.DateTimeFormat) => HTMLElement;

export const ESTIMATE_STYLE = `
li.ahead { color: #5a6478; }
li.ahead::before { background: #fff; border: 2px solid #cfd6e2; width: 6px; height: 6px; }
.expected { margin: 0 0 .3rem; }
`;

export function stagesAheadItems(s: CustomerStatus, el: El): HTMLElement[] {
  if (s.state === 'completed' || !s.stagesAhead) return [];
  return s.stagesAhead.map((stage) => el('li', { class: 'ahead' }, stage));
}

export function expectedLine(s: CustomerStatus, el: El, time: Time, day: Intl.DateTimeFormat): HTMLElement | null {
  if (s.state === 'completed' || !s.expectedBy) return null;
  const p = el('p', { class: 'expected' }, 'Expected by ');
  p.append(time(s.expectedBy, day));
  if (s.expectedRange) {
    p.append(document.createTextNode(' (between '), time(s.expectedRange.from, day), document.createTextNode(' and '), time(s.expectedRange.to, day), document.createTextNode(')'));
  }
  if (s.trendingLate === true) p.append(document.createTextNode(' — '), el('span', { class: 'late' }, 'trending late'));
  return p;
}
