import { clockMinutes, WEEKDAYS, type CalendarSpec } from '@journeys/contracts';
import { publicHolidays, type HolidaySource } from './holidays.ts';
import { DAY_MS, MINUTE_MS, dayOfDate, weekdayOfDay, zoneOf, type Zone } from './zone.ts';

/**
 * One calendar's open time. Definition (that of the reference business_time.py): the business
 * time between instants t0 ≤ t1 is the measure of the instants in [t0, t1) at which the
 * calendar is open — inside one of the opening intervals of a local date that is not a
 * holiday (each end turned into an instant by the zone's compatible rule), and in no closure.
 */
export interface BusinessCalendar {
  readonly timeZone: string;
  /** True for the round-the-clock UTC calendar, where business time is elapsed time. */
  readonly alwaysOpen: boolean;
  /** Business ms in [t0, t1); 0 when t1 ≤ t0. */
  ms(t0: number, t1: number): number;
  /** The instant after `ms` business ms from `t` (t itself when ms ≤ 0); null if never open in the next ten years. */
  add(t: number, ms: number): number | null;
  isOpen(t: number): boolean;
  /** Open [start, end) instants of one local date (days since epoch), closures cut out. */
  openIntervals(day: number): readonly (readonly [number, number])[];
  /** Holiday names of a local date, if it is one. */
  holidayOf(day: number): string | undefined;
}

const NEVER_MORE_THAN_DAYS = 3660;

export function compileCalendar(spec: CalendarSpec): BusinessCalendar {
  const timeZone = spec.timeZone ?? 'UTC';
  const zone: Zone = zoneOf(timeZone);
  const hours = WEEKDAYS.map((d) => (spec.hours?.[d] ?? []).map(([a, b]) => [clockMinutes(a), clockMinutes(b)] as const));
  const listed = new Map<number, string>((spec.holidays ?? []).map((d) => [dayOfDate(d), 'holiday']));
  const source: HolidaySource | null = spec.publicHolidays ? publicHolidays(spec.publicHolidays) : null;
  const closures = (spec.closures ?? []).map((c) => [Date.parse(c.from), Date.parse(c.to)] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const alwaysOpen =
    (timeZone === 'UTC' || timeZone === 'Etc/UTC') &&
    hours.every((h) => h.length === 1 && h[0]![0] === 0 && h[0]![1] === 1440) &&
    listed.size === 0 &&
    source === null &&
    closures.length === 0;

  const holidayOf = (day: number): string | undefined => {
    const own = listed.get(day);
    if (own !== undefined || source === null) return own;
    return source.year(new Date(day * DAY_MS).getUTCFullYear()).get(day);
  };

  const cache = new Map<number, readonly (readonly [number, number])[]>();
  const openIntervals = (day: number): readonly (readonly [number, number])[] => {
    let got = cache.get(day);
    if (got) return got;
    const out: [number, number][] = [];
    if (holidayOf(day) === undefined) {
      for (const [a, b] of hours[weekdayOfDay(day)]!) {
        let s = zone.instantOf(day * DAY_MS + a * MINUTE_MS);
        const e = zone.instantOf(day * DAY_MS + b * MINUTE_MS);
        for (const [cs, ce] of closures) {
          if (ce <= s || cs >= e) continue;
          if (cs > s) out.push([s, cs]);
          s = Math.max(s, ce);
        }
        if (s < e) out.push([s, e]);
      }
    }
    got = out;
    if (cache.size > 20_000) cache.clear();
    cache.set(day, got);
    return got;
  };

  return {
    timeZone,
    alwaysOpen,
    openIntervals,
    holidayOf,
    ms(t0, t1) {
      if (!(t1 > t0)) return 0;
      if (alwaysOpen) return t1 - t0;
      // An interval of local date d can reach into d ± 1 (24:00, DST): look one day either side.
      const d0 = zone.localDay(t0) - 1;
      const d1 = zone.localDay(t1) + 1;
      let total = 0;
      for (let d = d0; d <= d1; d++) {
        for (const [s, e] of openIntervals(d)) {
          const lo = s > t0 ? s : t0;
          const hi = e < t1 ? e : t1;
          if (hi > lo) total += hi - lo;
        }
      }
      return total;
    },
    add(t, ms) {
      if (!(ms > 0)) return t;
      if (alwaysOpen) return t + ms;
      let left = ms;
      const start = zone.localDay(t) - 1;
      for (let d = start; d <= start + NEVER_MORE_THAN_DAYS; d++) {
        for (const [s, e] of openIntervals(d)) {
          if (e <= t) continue;
          const from = s > t ? s : t;
          if (left <= e - from) return from + left;
          left -= e - from;
        }
      }
      return null;
    },
    isOpen(t) {
      if (alwaysOpen) return true;
      const d = zone.localDay(t);
      for (let k = d - 1; k <= d + 1; k++) for (const [s, e] of openIntervals(k)) if (s <= t && t < e) return true;
      return false;
    },
  };
}

/** Open hours in a plain week (holidays and closures aside). */
export function openHoursPerWeek(spec: CalendarSpec): number {
  let minutes = 0;
  for (const d of WEEKDAYS) for (const [a, b] of spec.hours?.[d] ?? []) minutes += clockMinutes(b) - clockMinutes(a);
  return minutes / 60;
}
