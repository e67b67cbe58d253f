/**
 * Working hours, in UTC. Computed on epoch milliseconds rather than with date-fns' local-time
 * helpers (`addBusinessDays`, `startOfDay`...), which follow the process's time zone: the
 * simulation must give the same events on every machine.
 */
export interface WorkingHours {
  /** Days of the week the department works, 0 = Sunday. */
  days: readonly number[];
  /** Opening and closing hour (UTC), `0` and `24` for round the clock. */
  open: number;
  close: number;
}

export const OFFICE_HOURS: WorkingHours = { days: [1, 2, 3, 4, 5], open: 8, close: 17 };
export const EXTENDED_HOURS: WorkingHours = { days: [1, 2, 3, 4, 5, 6], open: 7, close: 20 };
export const ROUND_THE_CLOCK: WorkingHours = { days: [0, 1, 2, 3, 4, 5, 6], open: 0, close: 24 };

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function startOfUtcDay(t: number): number {
  return Math.floor(t / DAY) * DAY;
}

export function isOpen(hours: WorkingHours, t: number): boolean {
  const d = new Date(t);
  const h = d.getUTCHours() + d.getUTCMinutes() / 60;
  return hours.days.includes(d.getUTCDay()) && h >= hours.open && h < hours.close;
}

/** `t` itself when open, else the next opening. */
export function nextOpening(hours: WorkingHours, t: number): number {
  if (isOpen(hours, t)) return t;
  let day = startOfUtcDay(t);
  for (let i = 0; i < 8; i++, day += DAY) {
    if (!hours.days.includes(new Date(day).getUTCDay())) continue;
    const opening = day + hours.open * HOUR;
    if (t < opening) return opening;
    if (t < day + hours.close * HOUR) return t;
  }
  throw new Error('working hours have no open day');
}

/** The end of the open period containing `t` (which must be open). */
function closingAfter(hours: WorkingHours, t: number): number {
  return startOfUtcDay(t) + hours.close * HOUR;
}

/** Adds `ms` of working time: work stops at closing and resumes at the next opening. */
export function addWorkingTime(hours: WorkingHours, t: number, ms: number): number {
  let cur = nextOpening(hours, t);
  let left = ms;
  for (;;) {
    const closing = closingAfter(hours, cur);
    if (cur + left <= closing) return cur + left;
    left -= closing - cur;
    cur = nextOpening(hours, closing);
  }
}

/** Adds business days (Monday–Friday), keeping the time of day: how service promises are worded. */
export function addBusinessDaysUtc(t: number, days: number): number {
  let cur = t;
  let left = days;
  while (left > 0) {
    cur += DAY;
    const wd = new Date(cur).getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return cur;
}
