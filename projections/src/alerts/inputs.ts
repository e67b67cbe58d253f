import type { Clock } from '@journeys/contracts';
import { quantileSorted } from '../stats.ts';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import type { JourneyFacts } from '../journey-fold.ts';

/**
 * What the alert evaluator needs from the read models — the port the persisted read store
 * implements (three live aggregates, none a scan of the history per evaluation).
 */
export interface PairDelayStats {
  from: string;
  to: string;
  /** Picked-up handoffs the p90 is learned from. */
  count: number;
  /** p90 of their delays in seconds, on `AlertInputs.clock`. */
  p90Seconds: number;
}

export interface WaitingHandoff {
  journeyId: string;
  journeyType: string | null;
  from: string;
  to: string;
  /** Epoch ms of the HandoffRequested. */
  requestedAt: number;
}

export interface OpenJourney {
  journeyId: string;
  journeyType: string | null;
  /** Where the case is now (null: nowhere known). */
  department: string | null;
  startedAt: number;
  promisedBy: number | null;
  /** Epoch ms of the last CustomerNotified, else of the start. */
  lastContactAt: number;
  /** Waiting on the customer: silence is then not ours. */
  customerWaitOpen: boolean;
}

export interface AlertInputs {
  /** 'business' when calendars are configured: p90s and waits are then business seconds. */
  readonly clock: Clock;
  pairDelays(): Iterable<PairDelayStats>;
  /** Explicit handoffs requested and not yet picked up, in open journeys. */
  waitingHandoffs(): Iterable<WaitingHandoff>;
  openJourneys(): Iterable<OpenJourney>;
}

/**
 * AlertInputs over folded journeys (the in-heap read model's implementation; the read store
 * keeps the same three aggregates as rows). Uses the business delays of the facts when the
 * calendars are configured.
 */
export function alertInputsFromFacts(facts: () => Iterable<JourneyFacts>, calendars?: CalendarSet): AlertInputs {
  const clock: Clock = calendars?.configured ? 'business' : 'elapsed';
  return {
    clock,
    pairDelays() {
      const lists = new Map<string, { from: string; to: string; delays: number[] }>();
      for (const f of facts()) {
        for (let i = 0; i < f.handoffs.length; i++) {
          const h = f.handoffs[i]!;
          if (h.startedAt === null) continue;
          const ms = clock === 'business' ? f.business?.handoffDelayMs[i] : h.startedAt - h.requestedAt;
          if (ms === null || ms === undefined) continue;
          const key = `${h.from}\u0000${h.to}`;
          let e = lists.get(key);
          if (!e) lists.set(key, (e = { from: h.from, to: h.to, delays: [] }));
          e.delays.push(ms / 1000);
        }
      }
      return [...lists.values()].map((e) => {
        const sorted = Float64Array.from(e.delays).sort();
        return { from: e.from, to: e.to, count: sorted.length, p90Seconds: quantileSorted(sorted, 0.9) };
      });
    },
    *waitingHandoffs() {
      for (const f of facts()) {
        if (f.completedAt !== null) continue;
        for (const h of f.handoffs) {
          if (h.explicit && h.startedAt === null) yield { journeyId: f.journeyId, journeyType: f.journeyType, from: h.from, to: h.to, requestedAt: h.requestedAt };
        }
      }
    },
    *openJourneys() {
      for (const f of facts()) {
        if (f.completedAt !== null) continue;
        yield {
          journeyId: f.journeyId,
          journeyType: f.journeyType,
          department: f.currentDepartment,
          startedAt: f.startedAt,
          promisedBy: f.promisedBy,
          lastContactAt: f.lastNotifiedAt ?? f.startedAt,
          customerWaitOpen: f.customerWaitOpen,
        };
      }
    },
  };
}
