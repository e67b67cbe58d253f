import fc from 'fast-check';
import { WEEKDAYS, type CalendarSpec } from '@journeys/contracts';
import { compileCalendar, DAY_MS, MINUTE_MS, weekdayOfDay, zoneOf } from '../src/calendar/index.ts';

/** Zones with DST both ways, a half-hour zone and UTC. */
export const ZONES = ['Europe/Amsterdam', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Europe/London', 'UTC'];

const hhmm = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** One day's intervals: up to three, on a 15-minute grid, in order, possibly reaching 24:00. */
const dayArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 })
  .map((xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < s.length; i += 2) out.push([hhmm(s[i]! * 15), hhmm(s[i + 1]! * 15)]);
    return out;
  });

/** Instants near DST changes (March, October/November, April in the south) on a minute grid. */
export const startArb = fc
  .record({ month: fc.constantFrom(3, 4, 10, 11), day: fc.integer({ min: 1, max: 28 }), minute: fc.integer({ min: 0, max: 1439 }) })
  .map(({ month, day, minute }) => Date.UTC(2026, month - 1, day) + minute * MINUTE_MS);

export const calendarArb = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    days: fc.tuple(dayArb, dayArb, dayArb, dayArb, dayArb, dayArb, dayArb),
    holidayOffsets: fc.uniqueArray(fc.integer({ min: -2, max: 8 }), { maxLength: 3 }),
    closures: fc.array(fc.record({ at: fc.integer({ min: -48 * 60, max: 8 * 24 * 60 }), len: fc.integer({ min: 1, max: 40 * 60 }) }), { maxLength: 2 }),
  })
  .map((r) => ({
    timeZone: r.timeZone,
    days: r.days,
    holidayOffsets: r.holidayOffsets,
    closures: r.closures,
  }));

export type CalendarCase = { spec: CalendarSpec; t0: number; t1: number };

export function specOf(r: fc.Arbitrary<unknown> extends never ? never : { timeZone: string; days: [string, string][][]; holidayOffsets: number[]; closures: { at: number; len: number }[] }, start: number): CalendarSpec {
  const hours: Record<string, [string, string][]> = {};
  WEEKDAYS.forEach((d, i) => {
    if (r.days[i]!.length > 0) hours[d] = r.days[i]!;
  });
  return {
    timeZone: r.timeZone,
    hours,
    holidays: r.holidayOffsets.map((o) => new Date(start + o * DAY_MS).toISOString().slice(0, 10)),
    closures: r.closures.map((c) => ({
      from: new Date(start + c.at * MINUTE_MS).toISOString(),
      to: new Date(start + (c.at + c.len) * MINUTE_MS).toISOString(),
    })),
  };
}

/**
 * The brute-force reference: count minute by minute whether the calendar is open at each
 * whole-minute instant, straight from the definition (only the local-time → instant rule of
 * the zone is shared with the module under test; the python reference checks that rule).
 */
export function bruteForceMs(spec: CalendarSpec, t0: number, t1: number): number {
  const zone = zoneOf(spec.timeZone ?? 'UTC');
  const holidays = new Set(spec.holidays ?? []);
  const closures = (spec.closures ?? []).map((c) => [Date.parse(c.from), Date.parse(c.to)] as const);
  const toMin = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
  const memo = new Map<number, number>();
  const instant = (wall: number): number => {
    let v = memo.get(wall);
    if (v === undefined) memo.set(wall, (v = zone.instantOf(wall)));
    return v;
  };
  let n = 0;
  for (let t = t0; t < t1; t += MINUTE_MS) {
    if (closures.some(([a, b]) => a <= t && t < b)) continue;
    // The instant may belong to an interval of the day before (one that ends at 24:00 after a DST change) or its own day.
    const d = zone.localDay(t);
    let open = false;
    for (const day of [d - 1, d]) {
      if (holidays.has(new Date(day * DAY_MS).toISOString().slice(0, 10))) continue;
      for (const [a, b] of spec.hours?.[WEEKDAYS[weekdayOfDay(day)]!] ?? []) {
        if (instant(day * DAY_MS + toMin(a) * MINUTE_MS) <= t && t < instant(day * DAY_MS + toMin(b) * MINUTE_MS)) open = true;
      }
    }
    if (open) n++;
  }
  return n * MINUTE_MS;
}

export { compileCalendar };
