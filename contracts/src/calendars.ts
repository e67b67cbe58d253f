import { z } from 'zod';

/**
 * The calendar file (`JOURNEY_CALENDARS`): working hours, time zone, holidays and closures
 * per department, plus an organisation default. A superset of the format of the reference
 * `shared/tools/business_time.py`: every file it reads is valid here and means the same.
 * Additions: `publicHolidays` (a country/region's public holidays from the date-holidays
 * library) and `reason` on closures.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const clockTime = z
  .string()
  .regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, { error: 'a local time "HH:MM" (00:00–24:00)' })
  .describe('local time HH:MM; 24:00 ends the day');

/** Minutes after local midnight. */
export function clockMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

export const OpenIntervalSchema = z
  .tuple([clockTime, clockTime])
  .refine(([a, b]) => clockMinutes(a) < clockMinutes(b), { error: 'an opening interval must end after it starts' });

const dayHours = z
  .array(OpenIntervalSchema)
  .refine((xs) => xs.every((x, i) => i === 0 || clockMinutes(xs[i - 1]![1]) <= clockMinutes(x[0])), {
    error: 'a day\'s intervals must be in order and must not overlap',
  });

export const WeeklyHoursSchema = z
  .strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours.optional()])) as Record<Weekday, z.ZodOptional<typeof dayHours>>)
  .describe('open intervals per weekday; a weekday left out is closed');
export type WeeklyHours = z.infer<typeof WeeklyHoursSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const localDate = z.iso.date().describe('local date YYYY-MM-DD, closed all day');

export const ClosureSchema = z
  .object({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    reason: z.string().max(200).optional(),
  })
  .refine((c) => Date.parse(c.from) < Date.parse(c.to), { error: 'a closure must end after it starts' });

export const PublicHolidaysSchema = z.strictObject({
  country: z.string().regex(/^[A-Z]{2}$/, { error: 'an ISO 3166-1 alpha-2 country code, e.g. NL' }),
  state: z.string().min(1).max(16).optional().describe('a state/province code of date-holidays, e.g. BY for Bavaria'),
  region: z.string().min(1).max(16).optional(),
  types: z
    .array(z.enum(['public', 'bank', 'school', 'optional', 'observance']))
    .min(1)
    .optional()
    .describe('which kinds of holiday close the department; default public'),
});
export type PublicHolidays = z.infer<typeof PublicHolidaysSchema>;

export const CalendarSpecSchema = z.object({
  timeZone: z.string().refine(isTimeZone, { error: 'an IANA time zone, e.g. Europe/Amsterdam' }).optional(),
  hours: WeeklyHoursSchema.optional(),
  holidays: z.array(localDate).optional(),
  publicHolidays: PublicHolidaysSchema.optional(),
  closures: z.array(ClosureSchema).optional(),
});
export type CalendarSpec = z.infer<typeof CalendarSpecSchema>;

export const CalendarFileSchema = z.object({
  /** The organisation's calendar; absent: open round the clock in UTC (elapsed time). */
  default: CalendarSpecSchema.optional(),
  /** Per department (named as its events name it); absent fields are taken from `default`. */
  departments: z.record(z.string().min(1).max(128), CalendarSpecSchema).optional(),
});
export type CalendarFile = z.infer<typeof CalendarFileSchema>;

/** Which clock a figure is measured on: wall-clock elapsed time, or open business hours. */
export const ClockSchema = z.enum(['elapsed', 'business']);
export type Clock = z.infer<typeof ClockSchema>;

export const ResolvedCalendarSchema = z.object({
  timeZone: z.string(),
  hours: WeeklyHoursSchema,
  holidays: z.array(localDate),
  publicHolidays: PublicHolidaysSchema.nullable(),
  closures: z.array(ClosureSchema),
  openHoursPerWeek: z.number(),
  upcomingHolidays: z.array(z.object({ date: localDate, name: z.string() })).describe('the next public and listed holidays from today'),
});

/** GET /api/calendars: the calendars in force, each with the default's fields filled in. */
export const CalendarsViewSchema = z.object({
  configured: z.boolean().describe('false: no JOURNEY_CALENDARS; business figures are absent'),
  default: ResolvedCalendarSchema,
  departments: z.record(z.string(), ResolvedCalendarSchema),
});
export type CalendarsView = z.infer<typeof CalendarsViewSchema>;
