import type { JourneyEvent } from '@journeys/contracts';
import type { CalendarSet } from '../src/calendar/calendar-set.ts';
import { foldJourney, type JourneyFacts } from '../src/journey-fold.ts';
import { insertEvent, projectEvent, type ProjectedEvent } from '../src/projected-event.ts';
import type { PositionedEvent } from '../src/read-store/read-store.ts';
import { BASE, toEvent, type Raw } from './arbitraries.ts';

/**
 * What the read store's contract suites share: generated instants spread over ~5 weeks (so
 * days and a month boundary are crossed), and the reference — the pure folds of the whole
 * history at once, as the in-heap design served them.
 */
export const STRETCH = 20;

export function stretched(r: Raw, i: number): JourneyEvent {
  const e = toEvent(r, i);
  const t = BASE + (Date.parse(e.occurredAt) - BASE) * STRETCH + (i % 7) * 1000;
  return { ...e, occurredAt: new Date(t).toISOString() };
}

export function reference(stored: readonly PositionedEvent[], calendars?: CalendarSet): { facts: JourneyFacts[]; events: Map<string, ProjectedEvent[]> } {
  const events = new Map<string, ProjectedEvent[]>();
  for (const s of stored) {
    let list = events.get(s.event.journeyId);
    if (!list) events.set(s.event.journeyId, (list = []));
    insertEvent(list, projectEvent(s.event, s.position));
  }
  return { facts: [...events].map(([id, ev]) => foldJourney(id, ev, calendars ? { calendars } : {})), events };
}

/** Every journey as it stood at `at` (an imported trace going on after `at` is still open). */
export function factsAsOf(events: Map<string, ProjectedEvent[]>, at: number): JourneyFacts[] {
  const out: JourneyFacts[] = [];
  for (const [id, ev] of events) {
    const upTo = ev.filter((e) => e.t <= at);
    if (upTo.length > 0) out.push(foldJourney(id, upTo, { traceContinues: upTo.length < ev.length }));
  }
  return out;
}
