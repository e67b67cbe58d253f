import { customerStageOf, customerStepLabel, DEFAULT_CUSTOMER_STAGES, type CustomerStagesConfig, type CustomerStatus, type JourneySummary, type JourneyTimeline, type JourneyState } from '@journeys/contracts';
import type { JourneyFacts } from './journey-fold.ts';
import { stepWaitMs, stepWorkMs } from './journey-fold.ts';
import type { CalendarSet } from './calendar/calendar-set.ts';
import type { Estimate } from './estimate/estimate.ts';
import type { ProjectedEvent } from './projected-event.ts';
import { slaRemainingSeconds, slaState } from './sla.ts';

const iso = (t: number): string => new Date(t).toISOString();
const isoOrNull = (t: number | null): string | null => (t === null ? null : iso(t));

export function journeyState(f: JourneyFacts): JourneyState {
  if (f.completedAt !== null) return 'completed';
  return f.customerWaitOpen ? 'waiting-on-customer' : 'in-progress';
}

/** The analyst's timeline. `now` only matters for the SLA of an open journey. */
export function toTimeline(
  f: JourneyFacts,
  events: readonly ProjectedEvent[],
  now: number,
  calendars?: CalendarSet,
  estimate?: (Estimate & { clock: 'elapsed' | 'business' }) | null,
): JourneyTimeline {
  const denominator = f.leadMs - f.customerWaitMs;
  const b = f.business;
  return {
    journeyId: f.journeyId,
    journeyType: f.journeyType,
    channel: f.channel,
    state: journeyState(f),
    outcome: f.outcome,
    startedAt: iso(f.startedAt),
    lastEventAt: iso(f.lastEventAt),
    completedAt: isoOrNull(f.completedAt),
    currentDepartment: f.currentDepartment,
    departments: [...f.departments],
    steps: f.steps.map((s, i) => ({
      department: s.department,
      activity: s.activity,
      queuedAt: isoOrNull(s.queuedAt),
      startedAt: isoOrNull(s.startedAt),
      completedAt: isoOrNull(s.completedAt),
      waitSeconds: stepWaitMs(s) / 1000,
      workSeconds: stepWorkMs(s, f.lastEventAt) / 1000,
      ...(b ? { businessWaitSeconds: b.stepWaitMs[i]! / 1000, businessWorkSeconds: b.stepWorkMs[i]! / 1000 } : {}),
      ...(s.outcome !== undefined ? { outcome: s.outcome } : {}),
    })),
    handoffs: f.handoffs.map((h, i) => ({
      from: h.from,
      to: h.to,
      requestedAt: iso(h.requestedAt),
      startedAt: isoOrNull(h.startedAt),
      delaySeconds: h.startedAt === null ? null : (h.startedAt - h.requestedAt) / 1000,
      ...(b ? { businessDelaySeconds: b.handoffDelayMs[i] === null ? null : b.handoffDelayMs[i]! / 1000 } : {}),
      explicit: h.explicit,
      ...(h.reason !== undefined ? { reason: h.reason } : {}),
    })),
    totals: {
      leadTimeSeconds: f.leadMs / 1000,
      workSeconds: f.workMs / 1000,
      waitSeconds: f.waitMs / 1000,
      customerWaitSeconds: f.customerWaitMs / 1000,
      flowEfficiency: denominator > 0 ? f.workMs / denominator : null,
      ...(b ? { business: businessTotals(b) } : {}),
    },
    pingPongCount: f.pingPongCount,
    sla: {
      state: slaState(f, now),
      promisedBy: isoOrNull(f.promisedBy),
      remainingSeconds: slaRemainingSeconds(f, now),
      ...(b && calendars?.configured ? { remainingBusinessSeconds: slaRemainingBusinessSeconds(f, now, calendars) } : {}),
    },
    eventCount: f.eventCount,
    events: events.map((e) => ({
      id: e.id,
      type: e.type,
      department: e.department,
      occurredAt: iso(e.t),
      ...(e.activity !== undefined ? { activity: e.activity } : {}),
      ...(e.actor !== undefined ? { actor: e.actor } : {}),
    })),
    ...(estimate
      ? {
          estimate: {
            stage: estimate.stage,
            expectedBy: iso(estimate.expectedBy),
            low: iso(estimate.low),
            high: iso(estimate.high),
            basis: estimate.basis,
            samples: estimate.samples,
            clock: estimate.clock,
            trendingLate: estimate.trendingLate,
            stagesAhead: estimate.stagesAhead,
          },
        }
      : {}),
  };
}

function businessTotals(b: NonNullable<JourneyFacts['business']>): NonNullable<JourneyTimeline['totals']['business']> {
  const denominator = b.leadMs - b.customerWaitMs;
  return {
    leadTimeSeconds: b.leadMs / 1000,
    workSeconds: b.workMs / 1000,
    waitSeconds: b.waitMs / 1000,
    customerWaitSeconds: b.customerWaitMs / 1000,
    flowEfficiency: denominator > 0 ? b.workMs / denominator : null,
  };
}

/** Business seconds between the reference instant and the promise on the default calendar (negative once past). */
export function slaRemainingBusinessSeconds(f: JourneyFacts, now: number, calendars: CalendarSet): number | null {
  if (f.promisedBy === null) return null;
  const at = f.completedAt ?? now;
  const cal = calendars.default;
  return (at <= f.promisedBy ? cal.ms(at, f.promisedBy) : -cal.ms(f.promisedBy, at)) / 1000;
}

export function toSummary(f: JourneyFacts, now: number): JourneySummary {
  const sla = slaState(f, now);
  return {
    journeyId: f.journeyId,
    journeyType: f.journeyType,
    state: journeyState(f),
    startedAt: iso(f.startedAt),
    lastEventAt: iso(f.lastEventAt),
    completedAt: isoOrNull(f.completedAt),
    currentDepartment: f.currentDepartment,
    departments: [...f.departments],
    leadTimeSeconds: f.leadMs / 1000,
    slaState: sla,
    breached: sla === 'breached',
    eventCount: f.eventCount,
    pingPongCount: f.pingPongCount,
  };
}

/**
 * The customer-safe status, without `version` (the read model stamps it). Built from an
 * allow-list: no actors, reasons, handoffs, delays, customerRef or other journeys.
 * stage = the department that has the case now (what the organisation calls that stage);
 * stepsDone = completed work, labelled by activity.
 */
/**
 * The mapping `customerStatusOf` uses when not handed one: set once at start-up
 * (`journey serve` loads JOURNEY_CUSTOMER_STAGES) so callers that predate the parameter
 * speak customer stages too.
 */
let processStages: CustomerStagesConfig = DEFAULT_CUSTOMER_STAGES;
export function setCustomerStages(config: CustomerStagesConfig): void {
  processStages = config;
}

/**
 * The customer's status. Only customer-facing stage names from the mapping (or the safe
 * default naming the department's public name) are used: never an activity's raw text.
 */
export function customerStatusOf(
  f: JourneyFacts,
  now: number,
  stages: CustomerStagesConfig = processStages,
  estimate?: Estimate | null,
): Omit<CustomerStatus, 'version'> {
  const state: CustomerStatus['state'] =
    f.completedAt !== null ? 'completed' : f.customerWaitOpen ? 'waiting-on-you' : 'in-progress';
  const stepsDone: CustomerStatus['stepsDone'] = [];
  for (const s of f.steps) {
    if (s.completedAt === null) continue;
    stepsDone.push({ label: customerStepLabel(stages, f.journeyType, s.department, s.activity), completedAt: iso(s.completedAt) });
  }
  stepsDone.sort((a, b) => (a.completedAt < b.completedAt ? -1 : a.completedAt > b.completedAt ? 1 : 0));
  // Steps in a row of one stage are one step to the customer (the last one's time).
  for (let i = stepsDone.length - 1; i > 0; i--) if (stepsDone[i]!.label === stepsDone[i - 1]!.label) stepsDone.splice(i - 1, 1);
  const current = f.currentDepartment === null ? undefined : [...f.steps].reverse().find((s) => s.department === f.currentDepartment);
  const stage =
    state === 'completed'
      ? 'completed'
      : state === 'waiting-on-you'
        ? 'waiting on you'
        : f.currentDepartment === null
          ? 'received'
          : customerStageOf(stages, f.journeyType, f.currentDepartment, current?.activity ?? null);
  const outcome = f.outcome === 'resolved' || f.outcome === 'rejected' || f.outcome === 'withdrawn' ? f.outcome : null;
  const sla = slaState(f, now);
  return {
    journeyId: f.journeyId,
    journeyType: f.journeyType,
    stage,
    stepsDone,
    state,
    outcome,
    lastUpdate: iso(f.lastEventAt),
    promisedBy: isoOrNull(f.promisedBy),
    onTrack: sla === 'none' ? null : sla !== 'breached',
    // Only dates and stage names: no sample counts, departments' delays or other journeys.
    ...(estimate && state !== 'completed'
      ? {
          // To the hour: a customer plans by dates, and a figure that moved with every
          // request would make each poll a new status.
          expectedBy: iso(toHour(estimate.expectedBy)),
          expectedRange: { from: iso(toHour(estimate.low)), to: iso(toHour(estimate.high)) },
          ...(estimate.trendingLate !== null ? { trendingLate: estimate.trendingLate } : {}),
          // Stage names as the customer knows them: departments in a row that map to one
          // stage are one stage ahead, and the current stage is not ahead of itself.
          stagesAhead: customerStagesAhead(stages, f.journeyType, stage, estimate.stagesAhead),
        }
      : {}),
  };
}

const HOUR_MS = 3_600_000;
const toHour = (t: number): number => Math.round(t / HOUR_MS) * HOUR_MS;

function customerStagesAhead(stages: CustomerStagesConfig, journeyType: string | null, current: string, departments: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of departments) {
    const name = customerStageOf(stages, journeyType, d, null);
    if (name !== (out[out.length - 1] ?? current)) out.push(name);
  }
  return out;
}
