import { describe, expect, it } from 'vitest';
import { isoInstant } from '@journeys/contracts';
import { parseLogTimestamp } from '../src/timestamp.ts';

describe('parseLogTimestamp', () => {
  it.each([
    ['2010-12-30 14:32:00+01:00', '2010-12-30T14:32:00+01:00', Date.UTC(2010, 11, 30, 13, 32)],
    ['2011-10-01T00:38:44.546+02:00', '2011-10-01T00:38:44.546+02:00', Date.UTC(2011, 8, 30, 22, 38, 44, 546)],
    ['2011-10-11 13:45:40.276000+02:00', '2011-10-11T13:45:40.276+02:00', Date.UTC(2011, 9, 11, 11, 45, 40, 276)],
    ['2014-10-22T11:15:41.000+02:00', '2014-10-22T11:15:41+02:00', Date.UTC(2014, 9, 22, 9, 15, 41)],
    ['2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', Date.UTC(2020, 0, 1)],
    ['2020-01-01T10:00:00-0530', '2020-01-01T10:00:00-05:30', Date.UTC(2020, 0, 1, 15, 30)],
    // naive times are UTC, as the reference takes them
    ['2020-01-01 10:00', '2020-01-01T10:00:00Z', Date.UTC(2020, 0, 1, 10)],
    ['2020-02-29', '2020-02-29T00:00:00Z', Date.UTC(2020, 1, 29)],
  ])('reads %s as the instant it names, keeping its offset', (raw, iso, ms) => {
    const t = parseLogTimestamp(raw);
    expect(t).toEqual({ iso, ms });
    expect(isoInstant.safeParse(t!.iso).success).toBe(true);
    // our output is a fixed point: export writes it, import reads the same back
    expect(parseLogTimestamp(t!.iso)).toEqual(t);
  });

  it.each(['', 'yesterday', '2021-02-29T10:00:00Z', '2021-13-01', '2021-01-01T25:00:00', '2021-01-01T10:00:00+25:00', '12/30/2010 14:32'])(
    'refuses %j',
    (raw) => {
      expect(parseLogTimestamp(raw)).toBeUndefined();
    },
  );
});
