import { z } from 'zod';

/**
 * Text that people and logs name things with: any Unicode except control characters
 * and lone surrogates, not blank. Imported logs keep names such as `V5 3rd`, so we do
 * not restrict to ASCII; we only refuse what breaks terminals, logs and NATS headers.
 */
const PRINTABLE = /^[^\p{Cc}\p{Cs}]*$/u;

export function printable(max: number, what = 'text') {
  return z
    .string()
    .min(1, { message: `${what} must not be empty` })
    .max(max, { message: `${what} must be at most ${max} characters` })
    .regex(PRINTABLE, { message: `${what} must not contain control characters` })
    .refine((s) => s.trim().length > 0, { message: `${what} must not be blank` });
}

/** ISO-8601 instant with an explicit offset (`Z` or `+01:00`), as PRODUCT.md requires. */
export const isoInstant = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time with an offset, e.g. 2026-03-01T09:30:00+01:00' });
