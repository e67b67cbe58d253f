import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CalendarFileSchema, WEEKDAYS, type CalendarFile, type CalendarSpec, type CalendarsView } from '@journeys/contracts';
import { compileCalendar, openHoursPerWeek, type BusinessCalendar } from './business-calendar.ts';
import { UnknownRegionError } from './holidays.ts';
import { DAY_MS, dateOfDay } from './zone.ts';

/**
 * The organisation's calendars: one per department that has its own, the default for the rest.
 * What the folds and the API are handed; `configured` false means no JOURNEY_CALENDARS, and
 * then no business figure is computed at all.
 */
export interface CalendarSet {
  readonly configured: boolean;
  /**
   * Identifies the calendars the business figures were computed with: the read store keeps
   * it and rebuilds beside itself when a different file is configured ('' when none).
   */
  readonly fingerprint: string;
  readonly default: BusinessCalendar;
  /** The calendar of a department (its own, or the default). */
  of(department: string): BusinessCalendar;
  /** GET /api/calendars. */
  view(now?: number): CalendarsView;
}

/** When no "default" is given: round the clock in UTC, so business time equals elapsed time (as in the reference). */
export const ROUND_THE_CLOCK: CalendarSpec = {
  timeZone: 'UTC',
  hours: Object.fromEntries(WEEKDAYS.map((d) => [d, [['00:00', '24:00']]])),
};

export class CalendarFileError extends Error {
  override name = 'CalendarFileError';
}

/** Validates a calendar file's JSON text; the error lists every problem with its path. */
export function parseCalendarFile(text: string, source = 'calendar file'): CalendarFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CalendarFileError(`${source} is not JSON: ${(err as Error).message}`);
  }
  const parsed = CalendarFileSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CalendarFileError(`${source} is not a valid calendar file:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function loadCalendarFile(path: string): CalendarSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CalendarFileError(`cannot read calendar file ${path}: ${(err as Error).message}`);
  }
  return createCalendarSet(parseCalendarFile(text, path));
}

export function createCalendarSet(file: CalendarFile | null): CalendarSet {
  const base = file?.default ?? ROUND_THE_CLOCK;
  const specs = new Map<string, CalendarSpec>();
  for (const [name, own] of Object.entries(file?.departments ?? {})) specs.set(name, { ...base, ...own });
  let defaultCal: BusinessCalendar;
  const cals = new Map<string, BusinessCalendar>();
  try {
    defaultCal = compileCalendar(base);
    for (const [name, spec] of specs) cals.set(name, compileCalendar(spec));
  } catch (err) {
    if (err instanceof UnknownRegionError) throw new CalendarFileError(err.message);
    throw err;
  }
  const resolved = (spec: CalendarSpec, cal: BusinessCalendar, now: number): CalendarsView['default'] => {
    const upcoming: { date: string; name: string }[] = [];
    const today = Math.floor(now / DAY_MS);
    for (let d = today; d < today + 366 && upcoming.length < 10; d++) {
      const name = cal.holidayOf(d);
      if (name !== undefined) upcoming.push({ date: dateOfDay(d), name });
    }
    return {
      timeZone: cal.timeZone,
      hours: spec.hours ?? {},
      holidays: spec.holidays ?? [],
      publicHolidays: spec.publicHolidays ?? null,
      closures: spec.closures ?? [],
      openHoursPerWeek: openHoursPerWeek(spec),
      upcomingHolidays: upcoming,
    };
  };
  return {
    configured: file !== null,
    fingerprint: file === null ? '' : createHash('sha256').update(JSON.stringify(file)).digest('hex').slice(0, 32),
    default: defaultCal,
    of: (department) => cals.get(department) ?? defaultCal,
    view(now = Date.now()) {
      return {
        configured: file !== null,
        default: resolved(base, defaultCal, now),
        departments: Object.fromEntries([...specs].map(([name, spec]) => [name, resolved(spec, cals.get(name)!, now)])),
      };
    },
  };
}
