import type { PrincipalKind } from './principal.ts';

/**
 * The longest lifetime a token of each kind may be given. A leaked token is only as bad as
 * how long it lives: admin tokens are short, a customer's widget link may last a while.
 * `JOURNEY_TOKEN_MAX_TTL` (e.g. `admin=12h,customer=30d`) overrides any of them.
 */
export const DEFAULT_MAX_TTL_SECONDS: Readonly<Record<PrincipalKind, number>> = {
  admin: 7 * 86_400,
  analyst: 30 * 86_400,
  auditor: 30 * 86_400,
  department: 365 * 86_400,
  customer: 180 * 86_400,
  // Prometheus' scrape credential: read-only, one endpoint, configured once.
  metrics: 365 * 86_400,
};

/** Nothing signs for longer than this whatever the configuration says (ten years). */
export const ABSOLUTE_MAX_TTL_SECONDS = 10 * 365 * 86_400;

const UNITS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

/**
 * `30s`, `15m`, `12h`, `7d`, `2w`, or plain seconds. Refuses what no token may live for
 * (`999999999w` used to overflow the signer into a 500), so callers can answer 400.
 */
export function parseDuration(text: string): number {
  const m = /^(\d{1,12})\s*(s|m|h|d|w)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}: use e.g. 30m, 12h, 7d`);
  const seconds = Number(m[1]) * UNITS[(m[2] ?? 's') as keyof typeof UNITS];
  if (seconds <= 0) throw new Error('a duration must be positive');
  if (seconds > ABSOLUTE_MAX_TTL_SECONDS) throw new Error(`a duration of ${text.trim()} is beyond any token lifetime (at most 10 years)`);
  return seconds;
}

/** `admin=12h,customer=30d` → per-kind maxima over the defaults. */
export function parseMaxTtl(text: string | undefined): Record<PrincipalKind, number> {
  const out: Record<PrincipalKind, number> = { ...DEFAULT_MAX_TTL_SECONDS };
  if (text === undefined || text.trim() === '') return out;
  for (const part of text.split(',')) {
    const [kind, value] = part.split('=').map((s) => s.trim());
    if (!kind || !value || !(kind in out)) {
      throw new Error(`JOURNEY_TOKEN_MAX_TTL: ${JSON.stringify(part)} is not <role>=<duration> (roles: ${Object.keys(out).join(', ')})`);
    }
    out[kind as PrincipalKind] = parseDuration(value);
  }
  return out;
}
