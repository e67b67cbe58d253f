/**
 * Log timestamps as the reference (oracle.py, Python's `datetime.fromisoformat`) reads them:
 * ISO-8601 with `T` or a space, optional seconds and fraction, an optional offset (`Z`,
 * `+01:00`, `+0100`, `+01`). The offset is honoured (a true instant); a naive time is taken
 * as UTC, as the oracle does in its default mode.
 *
 * We keep the source's wall-clock reading and its offset in the output (`2010-12-30T14:32:00+01:00`)
 * rather than converting to UTC, so that nothing of the source is lost and an export writes back
 * what was read. Parsing our own output gives the same string (the form is a fixed point).
 */
export interface LogInstant {
  /** ISO-8601 with an explicit offset, accepted by the contracts' `isoInstant`. */
  iso: string;
  /** Milliseconds since the epoch (sub-millisecond digits are kept in `iso` only). */
  ms: number;
}

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:(Z|z)|([+-])(\d{2})(?::?(\d{2}))?)?$/;

export function parseLogTimestamp(raw: string | undefined | null): LogInstant | undefined {
  if (raw == null) return undefined;
  const m = PATTERN.exec(raw.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac, zulu, sign, oh, om = '00'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const base = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February over into March: refuse instead, as Python does.
  const check = new Date(base);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  let offsetMinutes = 0;
  let offsetText = 'Z';
  if (sign !== undefined && oh !== undefined) {
    const hours = Number(oh);
    const minutes = Number(om);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
    offsetText = `${sign}${oh}:${om}`;
  } else if (zulu === undefined) {
    offsetText = 'Z'; // naive: UTC, as the oracle does
  }
  // Python keeps microseconds; we keep up to 6 digits in the text, milliseconds in `ms`.
  // Trailing zeros are dropped so `.276000` (a CSV copy) and `.276` (its XES twin) agree.
  const fraction = frac === undefined ? '' : frac.slice(0, 6).replace(/0+$/, '');
  const fracMs = fraction === '' ? 0 : Math.floor(Number(fraction.padEnd(6, '0')) / 1000);
  const ms = base + fracMs - offsetMinutes * 60_000;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction === '' ? '' : `.${fraction}`}${offsetText}`;
  return { iso, ms };
}
