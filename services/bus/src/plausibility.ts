import type { JourneyEvent, ValidationProblem } from '@journeys/contracts';

/**
 * Is `occurredAt` a time this event can really have happened at?
 *
 * Rule (documented in docs and applied by the HTTP ingress, the emitter and ingest alike):
 *  - not more than 5 minutes after the receiver's clock (clock skew between a department's
 *    systems and ours is tolerated up to that; anything later is a bug at the source);
 *  - not before 1970-01-01T00:00:00Z (imported historical logs are fine; epoch-zero and
 *    negative dates are uninitialised fields).
 */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
export const EARLIEST_OCCURRED_AT_MS = 0;

export function plausibilityProblems(event: Pick<JourneyEvent, 'occurredAt'>, now: number = Date.now(), pathPrefix = ''): ValidationProblem[] {
  const at = Date.parse(event.occurredAt);
  const path = pathPrefix ? `${pathPrefix}.occurredAt` : 'occurredAt';
  if (Number.isNaN(at)) return [{ path, message: 'occurredAt is not a valid instant', code: 'implausible_time' }];
  if (at > now + MAX_FUTURE_SKEW_MS) {
    return [{ path, message: `occurredAt ${event.occurredAt} is more than 5 minutes in the future`, code: 'implausible_time' }];
  }
  if (at < EARLIEST_OCCURRED_AT_MS) {
    return [{ path, message: `occurredAt ${event.occurredAt} is before 1970-01-01T00:00:00Z`, code: 'implausible_time' }];
  }
  return [];
}
