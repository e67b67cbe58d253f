import { customerStageOf, customerStepLabel, DEFAULT_CUSTOMER_STAGES, type CustomerStagesConfig, type CustomerStatus, type JourneySummary, type JourneyTimeline, type JourneyState } from '@journeys/contracts';
import type { JourneyFacts } from './journey-fold.ts';
import { stepWaitMs, stepWorkMs } from './journey-fold.ts';
import type { ProjectedEvent } from './projected-event.ts';
import { slaRemainingSeconds, slaState } from './sla.ts';

const iso = (t: number): string => new Date(t).toISOString();
const isoOrNull = (t: number | null): string | null => (t === null ? null : iso(t));

export function journeyState(f: JourneyFacts): JourneyState {
  if (f.completedAt !== null) return 'completed';
  return f.customerWaitOpen ? 'waiting-on-customer' : 'in-progress';
}

/** The analyst's timeline. `now` only matters for the SLA of an open journey. */
export function toTimeline(f: JourneyFacts, events: readonly ProjectedEvent[], now: number): JourneyTimeline {
  const denominator = f.leadMs - f.customerWaitMs;
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
    steps: f.steps.map((s) => ({
      department: s.department,
      activity: s.activity,
      queuedAt: isoOrNull(s.queuedAt),
      startedAt: isoOrNull(s.startedAt),
      completedAt: isoOrNull(s.completedAt),
      waitSeconds: stepWaitMs(s) / 1000,
      workSeconds: stepWorkMs(s, f.lastEventAt) / 1000,
      ...(s.outcome !== undefined ? { outcome: s.outcome } : {}),
    })),
    handoffs: f.handoffs.map((h) => ({
      from: h.from,
      to: h.to,
      requestedAt: iso(h.requestedAt),
      startedAt: isoOrNull(h.startedAt),
      delaySeconds: h.startedAt === null ? null : (h.startedAt - h.requestedAt) / 1000,
      explicit: h.explicit,
      ...(h.reason !== undefined ? { reason: h.reason } : {}),
    })),
    totals: {
      leadTimeSeconds: f.leadMs / 1000,
      workSeconds: f.workMs / 1000,
      waitSeconds: f.waitMs / 1000,
      customerWaitSeconds: f.customerWaitMs / 1000,
      flowEfficiency: denominator > 0 ? f.workMs / denominator : null,
    },
    pingPongCount: f.pingPongCount,
    sla: {
      state: slaState(f, now),
      promisedBy: isoOrNull(f.promisedBy),
      remainingSeconds: slaRemainingSeconds(f, now),
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
  };
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
export function customerStatusOf(f: JourneyFacts, now: number, stages: CustomerStagesConfig = processStages): Omit<CustomerStatus, 'version'> {
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
  };
}
