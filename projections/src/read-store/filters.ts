import type { AnalyticsFilter } from '@journeys/contracts';
import { parseInstant } from '../projected-event.ts';
import { DAY_MS } from './contributions.ts';
import type { Names } from './names.ts';

/** Day numbers far outside any history: "no bound". */
export const MIN_DAY = -99_999_999;
export const MAX_DAY = 99_999_999;

/**
 * An analytics filter as the cells see it. Time bounds count what happened inside the
 * window (a handoff on the day it was requested) at the resolution of whole UTC days:
 * `from` is taken back to the start of its day and `to` forward to the end of its day
 * (docs/metrics.md). `jt` is null when the named journey type does not exist (nothing
 * matches), undefined when no type was asked for.
 */
export interface CellFilter {
  jt: number | undefined | null;
  days: [number, number] | undefined;
}

export function cellFilter(filter: AnalyticsFilter | undefined, names: Names): CellFilter {
  let jt: number | undefined | null;
  if (filter?.journeyType !== undefined) jt = names.find(filter.journeyType) ?? null;
  let days: [number, number] | undefined;
  if (filter?.from !== undefined || filter?.to !== undefined) {
    const from = filter.from !== undefined ? Math.floor(parseInstant(filter.from) / DAY_MS) : MIN_DAY;
    const to = filter.to !== undefined ? Math.ceil(parseInstant(filter.to) / DAY_MS) : MAX_DAY;
    days = [from, Math.max(from, to)];
  }
  return { jt, days };
}
