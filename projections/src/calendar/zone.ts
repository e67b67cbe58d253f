import { tzOffset } from '@date-fns/tz';

/**
 * Local wall-clock arithmetic in an IANA zone. A "wall" value is a local date-time written as
 * if it were UTC epoch ms (so local midnight of day d is d·DAY); offsets come from @date-fns/tz
 * (date-fns-tz's getTimezoneOffset reads the Date's own local fields and is an hour off near DST changes).
 */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export interface Zone {
  readonly name: string;
  /** Local minus UTC, in ms, at instant `t`. */
  offset(t: number): number;
  /** The local date of instant `t`, as days since 1970-01-01. */
  localDay(t: number): number;
  /**
   * The instant of a local wall time, by the "compatible" rule of Temporal (and of the
   * reference business_time.py): a time that occurs twice takes the earlier instant; one
   * skipped by a DST jump takes the instant the clock reaches after the jump (date-fns-tz's
   * fromZonedTime resolves both the other way).
   */
  instantOf(wall: number): number;
}

const zones = new Map<string, Zone>();

export function zoneOf(name: string): Zone {
  let z = zones.get(name);
  if (!z) zones.set(name, (z = makeZone(name)));
  return z;
}

function makeZone(name: string): Zone {
  const fixed = name === 'UTC' || name === 'Etc/UTC';
  const offset = fixed
    ? () => 0
    : (t: number): number => {
        const o = tzOffset(name, new Date(t));
        if (Number.isNaN(o)) throw new Error(`unknown time zone ${name}`);
        return o * MINUTE_MS;
      };
  return {
    name,
    offset,
    localDay: (t) => Math.floor((t + offset(t)) / DAY_MS),
    instantOf(wall) {
      if (fixed) return wall;
      const before = offset(wall - DAY_MS);
      const after = offset(wall + DAY_MS);
      let best: number | null = null;
      for (const o of before === after ? [before] : [before, after]) {
        const t = wall - o;
        if (offset(t) === o && (best === null || t < best)) best = t;
      }
      // In a gap no offset fits: the wall time read with the offset before the jump is the
      // instant the clock reaches after it (02:30 in a 02:00→03:00 jump is 03:30).
      return best ?? wall - before;
    },
  };
}

/** Days since 1970-01-01 of a local date "YYYY-MM-DD". */
export function dayOfDate(date: string): number {
  return Math.floor(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS);
}

export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOfDay(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}
