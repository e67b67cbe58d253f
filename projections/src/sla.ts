import type { SlaState } from '@journeys/contracts';

/**
 * SLA rule (documented in docs/metrics.md):
 * - no `promisedBy` on JourneyStarted → `none`;
 * - completed: `breached` when it completed after the promise, else `on-track`;
 * - open at `now`: `breached` once `now` is past the promise; `at-risk` when at most
 *   AT_RISK_SHARE of the promised window (promisedBy − start) is left; else `on-track`.
 */
export const AT_RISK_SHARE = 0.25;

export interface SlaFacts {
  startedAt: number;
  completedAt: number | null;
  promisedBy: number | null;
}

export function slaState(f: SlaFacts, now: number): SlaState {
  if (f.promisedBy === null) return 'none';
  if (f.completedAt !== null) return f.completedAt > f.promisedBy ? 'breached' : 'on-track';
  if (now > f.promisedBy) return 'breached';
  const window = f.promisedBy - f.startedAt;
  const left = f.promisedBy - now;
  if (window <= 0 || left <= window * AT_RISK_SHARE) return 'at-risk';
  return 'on-track';
}

/** Seconds left before the promise (negative once breached); measured at completion for closed journeys. */
export function slaRemainingSeconds(f: SlaFacts, now: number): number | null {
  if (f.promisedBy === null) return null;
  return (f.promisedBy - (f.completedAt ?? now)) / 1000;
}
