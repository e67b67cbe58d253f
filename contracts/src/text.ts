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

/**
 * Characters that render as nothing or rearrange text: format characters (zero-width
 * space and joiners, bidi controls, soft hyphen, BOM), variation selectors, and the
 * invisible fillers (Hangul fillers, braille blank). `Billing\u200b` looks like `Billing`.
 */
const INVISIBLE = /[\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}\u115F\u1160\u3164\uFFA0\u2800\u034F]/u;

/**
 * Why a name would pass for another one, or undefined. A name must be in Unicode NFKC form
 * (fullwidth `Ｂｉｌｌｉｎｇ`, ligatures, superscripts and no-break spaces fold to plain text
 * there) and carry no invisible character, so two names that look the same are the same
 * string. Refused rather than folded: the event is hashed into the audit chain as sent.
 */
export function lookalikeProblem(name: string): string | undefined {
  if (INVISIBLE.test(name)) return 'must not contain invisible or formatting characters (e.g. U+200B zero-width space)';
  const folded = name.normalize('NFKC');
  if (folded !== name) return `must be written in Unicode NFKC form: send ${JSON.stringify(folded)}`;
  return undefined;
}

/** A name people tell apart by eye (a department): printable, NFKC, nothing invisible. */
export function visibleName(max: number, what = 'name') {
  return printable(max, what).superRefine((s, ctx) => {
    const problem = lookalikeProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
  });
}
