import type { JourneyEvent } from '@journeys/contracts';
import { generateJourneys, type SimulationOptions } from './engine.ts';

/**
 * Splits an open-ended simulation at `now`: what already happened (to load as history) and
 * an iterator over what has yet to happen (to play live). Both come from one run, so the
 * live part continues the very journeys the history left open.
 */
export function splitAtNow(options: Omit<SimulationOptions, 'end'>, now: number): { history: JourneyEvent[]; future: Iterator<JourneyEvent> } {
  const run = generateJourneys(options);
  const history: JourneyEvent[] = [];
  let next = run.next();
  while (!next.done && Date.parse(next.value.occurredAt) <= now) {
    history.push(next.value);
    next = run.next();
  }
  const held = next;
  let first = true;
  const future: Iterator<JourneyEvent> = {
    next() {
      if (first) {
        first = false;
        return held;
      }
      return run.next();
    },
  };
  return { history, future };
}
