import Holidays from 'date-holidays';
import type { PublicHolidays } from '@journeys/contracts';
import { dayOfDate } from './zone.ts';

/**
 * Public holidays of a country/region from date-holidays, as local dates (days since epoch),
 * computed per year on first use. A holiday that closes only part of a day (Christmas Eve
 * from 14:00 in some countries) closes the whole day here, as a listed holiday does.
 */
export interface HolidaySource {
  /** Holiday days of that year, with their names. */
  year(y: number): ReadonlyMap<number, string>;
}

export class UnknownRegionError extends Error {
  override name = 'UnknownRegionError';
}

export function publicHolidays(spec: PublicHolidays): HolidaySource {
  const hd = new Holidays();
  if (spec.state !== undefined && spec.region !== undefined) hd.init(spec.country, spec.state, spec.region);
  else if (spec.state !== undefined) hd.init(spec.country, spec.state);
  else hd.init(spec.country);
  if (hd.getHolidays(2026).length === 0) {
    const where = [spec.country, spec.state, spec.region].filter((x) => x !== undefined).join('/');
    throw new UnknownRegionError(`date-holidays knows no holidays for ${where}`);
  }
  const types = new Set<string>(spec.types ?? ['public']);
  const years = new Map<number, Map<number, string>>();
  return {
    year(y) {
      let m = years.get(y);
      if (!m) {
        m = new Map();
        for (const h of hd.getHolidays(y)) {
          if (!types.has(h.type)) continue;
          const day = dayOfDate(h.date.slice(0, 10));
          if (!m.has(day)) m.set(day, h.name);
        }
        years.set(y, m);
      }
      return m;
    },
  };
}
