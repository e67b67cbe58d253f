import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCalendar, createCalendarSet, MINUTE_MS, parseCalendarFile } from '../src/calendar/index.ts';
import { bruteForceMs, calendarArb, specOf, startArb } from './calendar-reference.ts';

const caseArb = fc.record({ cal: calendarArb, start: startArb, len: fc.integer({ min: 0, max: 6 * 24 * 60 }) });

describe('business time', () => {
  it('equals a minute-by-minute count on random calendars across DST changes, holidays and closures', () => {
    fc.assert(
      fc.property(caseArb, ({ cal, start, len }) => {
        const spec = specOf(cal, start);
        const t1 = start + len * MINUTE_MS;
        expect(compileCalendar(spec).ms(start, t1)).toBe(bruteForceMs(spec, start, t1));
      }),
      { numRuns: 60 },
    );
  }, 180_000);

  it('add() is the inverse of ms(): the instant after b business ms holds exactly b ms', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 3 * 24 * 60 }), ({ cal, start }, minutes) => {
        const c = compileCalendar(specOf(cal, start));
        const end = c.add(start, minutes * MINUTE_MS);
        if (end === null) return; // never open (an empty week)
        expect(c.ms(start, end)).toBe(minutes * MINUTE_MS);
        expect(c.ms(start, end - 1)).toBeLessThan(minutes * MINUTE_MS);
      }),
      { numRuns: 150 },
    );
  });

  it('is additive over a split point and never more than elapsed time', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ cal, start, len }, at) => {
        const c = compileCalendar(specOf(cal, start));
        const t1 = start + len * MINUTE_MS;
        const mid = start + Math.floor((t1 - start) * at);
        expect(c.ms(start, mid) + c.ms(mid, t1)).toBe(c.ms(start, t1));
        expect(c.ms(start, t1)).toBeLessThanOrEqual(t1 - start);
      }),
      { numRuns: 150 },
    );
  });

  it('takes the compatible rule at DST changes: a skipped 02:30 opens at 03:30, a repeated one at the first', () => {
    const spring = compileCalendar({ timeZone: 'Europe/Amsterdam', hours: { sun: [['02:30', '04:00']] } });
    // 2026-03-29: clocks jump 02:00 → 03:00. Open from 03:30 CEST (01:30Z) to 04:00 CEST (02:00Z).
    expect(spring.ms(Date.parse('2026-03-29T00:00:00Z'), Date.parse('2026-03-29T06:00:00Z'))).toBe(30 * MINUTE_MS);
    const autumn = compileCalendar({ timeZone: 'Europe/Amsterdam', hours: { sun: [['02:30', '04:00']] } });
    // 2026-10-25: 03:00 CEST → 02:00 CET. 02:30 first occurs at 00:30Z; 04:00 CET is 03:00Z: 2.5 h.
    expect(autumn.ms(Date.parse('2026-10-25T00:00:00Z'), Date.parse('2026-10-25T06:00:00Z'))).toBe(150 * MINUTE_MS);
  });

  it('closes on public holidays from date-holidays for the configured country and region', () => {
    const set = createCalendarSet(
      parseCalendarFile(
        JSON.stringify({
          default: { timeZone: 'Europe/Amsterdam', hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']] }, publicHolidays: { country: 'NL' } },
          departments: { Munich: { timeZone: 'Europe/Berlin', publicHolidays: { country: 'DE', state: 'BY' } } },
        }),
      ),
    );
    // Monday 27 April 2026 is King's Day in the Netherlands, not a holiday in Bavaria.
    const t0 = Date.parse('2026-04-27T00:00:00Z');
    const t1 = Date.parse('2026-04-28T00:00:00Z');
    expect(set.default.ms(t0, t1)).toBe(0);
    expect(set.of('Munich').ms(t0, t1)).toBe(8 * 60 * MINUTE_MS);
    expect(set.of('Unknown dept').ms(t0, t1)).toBe(0);
    expect(set.view(t0).default.upcomingHolidays[0]).toEqual({ date: '2026-04-27', name: 'Koningsdag' });
  });

  it('refuses a bad file with every problem named', () => {
    expect(() =>
      parseCalendarFile(JSON.stringify({ default: { timeZone: 'Mars/Olympus', hours: { mon: [['17:00', '09:00']], xyz: [] } } })),
    ).toThrow(/timeZone[\s\S]*hours\.mon\.0[\s\S]*xyz/);
    expect(() => createCalendarSet(parseCalendarFile(JSON.stringify({ default: { publicHolidays: { country: 'QQ' } } })))).toThrow(/QQ/);
  });
});
