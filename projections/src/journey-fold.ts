import { UNASSIGNED_DEPARTMENT } from '@journeys/contracts';
import type { CalendarSet } from './calendar/calendar-set.ts';
import type { ProjectedEvent } from './projected-event.ts';

/**
 * The pure fold of one journey: its events (deduplicated, sorted by occurredAt then store
 * position) in, everything the read models need about it out. No I/O, no clock: what
 * depends on "now" (SLA, waiting times) is applied at query time.
 *
 * Rules (docs/metrics.md explains them for users):
 * - Time between two consecutive events (until JourneyCompleted) is exactly one of:
 *   customer wait (a CustomerWaitStarted is open), work (some WorkStarted is open),
 *   wait (otherwise: the case sits in a queue). So lead = work + wait + customer wait.
 * - Explicit handoff: HandoffRequested A→B, started by B's next WorkStarted (or a
 *   WorkCompleted in B without a start). A journey with no HandoffRequested at all is an
 *   imported trace: every pair of consecutive events whose departments differ is a handoff
 *   (events without a department, the importer's placeholder, are skipped)
 *   from the earlier event to the later one (the oracle's handoff_pairs).
 * - Steps: WorkStarted…WorkCompleted of the same (department, activity), first in first
 *   out; a WorkCompleted with nothing open is a step of its own with no start and no work.
 * - Ping-pong: a handoff into a department the journey has already handed off from.
 * - Activity DFG: consecutive events that carry an activity (WorkStarted/WorkCompleted).
 * - A journey with no JourneyStarted is an imported trace: it is closed at its last event.
 */
export interface StepFacts {
  department: string;
  activity: string | null;
  queuedAt: number | null;
  startedAt: number | null;
  completedAt: number | null;
  outcome: string | undefined;
}

export interface HandoffFacts {
  from: string;
  to: string;
  requestedAt: number;
  startedAt: number | null;
  explicit: boolean;
  reason: string | undefined;
}

export interface JourneyFacts {
  journeyId: string;
  journeyType: string | null;
  channel: string | null;
  promisedBy: number | null;
  /** true when a JourneyStarted was seen; false for an imported trace. */
  hasStart: boolean;
  startedAt: number;
  lastEventAt: number;
  /** JourneyCompleted time, or (trace) its last event time when `traceClosed`. */
  completedAt: number | null;
  outcome: string | null;
  customerWaitOpen: boolean;
  currentDepartment: string | null;
  /** Emitting departments, in order of first appearance. */
  departments: string[];
  /** Events per emitting department (parallel to `departments`). */
  departmentEvents: number[];
  steps: StepFacts[];
  handoffs: HandoffFacts[];
  leadMs: number;
  workMs: number;
  waitMs: number;
  customerWaitMs: number;
  pingPongCount: number;
  /** Activity DFG arcs: parallel arrays (from, to, delay in seconds). */
  dfgFrom: string[];
  dfgTo: string[];
  dfgDelay: number[];
  /** When each arc began (its first event), epoch ms: the day an arc counts in. */
  dfgAt: number[];
  /** Activities of the events that carry one, in order (node counts). */
  activities: string[];
  /** Open work at the last event: one entry per open step. */
  openWork: { department: string; since: number }[];
  /** Where the case waits after its last event (nothing open, not completed, not with the customer). */
  queued: { department: string; since: number } | null;
  eventCount: number;
  /** Last CustomerNotified (a touchpoint with the customer); null when none. */
  lastNotifiedAt?: number | null;
  /** The same durations in business time; present only when the fold was given calendars. */
  business?: BusinessFacts;
}

/**
 * Business-time figures (ms of open hours), parallel to the elapsed ones. Whose calendar
 * counts: a handoff's delay and a step's queue wait, the receiving department's (the time it
 * could have picked the case up); a step's work, its department's; between two events, work
 * in the department of the latest open step, wait in the department the case is queued in,
 * customer wait on the organisation default. Lead = work + wait + customer wait here too.
 */
export interface BusinessFacts {
  leadMs: number;
  workMs: number;
  waitMs: number;
  customerWaitMs: number;
  /** Parallel to `handoffs`: null while not picked up. */
  handoffDelayMs: (number | null)[];
  /** Parallel to `steps`. */
  stepWaitMs: number[];
  stepWorkMs: number[];
}

interface OpenStep {
  index: number;
  department: string;
  activity: string | null;
}

export interface FoldOptions {
  /** For replay: an imported trace that goes on after the replay instant is still open. */
  traceContinues?: boolean;
  /** Business-hours calendars: when configured, the facts also carry `business`. */
  calendars?: CalendarSet;
}

export function foldJourney(journeyId: string, events: readonly ProjectedEvent[], options: FoldOptions = {}): JourneyFacts {
  const n = events.length;
  if (n === 0) throw new Error(`journey ${journeyId} has no events`);
  let hasExplicit = false;
  let hasStart = false;
  for (let i = 0; i < n; i++) {
    const type = events[i]!.type;
    if (type === 'HandoffRequested') hasExplicit = true;
    else if (type === 'JourneyStarted') hasStart = true;
  }

  const first = events[0]!;
  const startedAt = first.t;
  let journeyType: string | null = null;
  let channel: string | null = null;
  let promisedBy: number | null = null;
  let completedAt: number | null = null;
  let outcome: string | null = null;
  let customerWaits = 0;
  let workMs = 0;
  let waitMs = 0;
  let customerWaitMs = 0;
  let pingPongCount = 0;
  let lastNotifiedAt: number | null = null;
  const cals = options.calendars?.configured ? options.calendars : undefined;
  let bWorkMs = 0;
  let bWaitMs = 0;
  let bCustomerWaitMs = 0;

  const departments: string[] = [];
  const departmentEvents: number[] = [];
  const deptIndex = new Map<string, number>();
  const steps: StepFacts[] = [];
  const handoffs: HandoffFacts[] = [];
  const pending: number[] = []; // indices of explicit handoffs not yet started
  const open: OpenStep[] = [];
  const leftFrom = new Set<string>();
  const dfgFrom: string[] = [];
  const dfgTo: string[] = [];
  const dfgDelay: number[] = [];
  const dfgAt: number[] = [];
  const activities: string[] = [];
  let prevActivity: string | undefined;
  let prevActivityT = 0;
  let lastAssigned: (typeof events)[number] | undefined;

  const handoffInto = (from: string, to: string): void => {
    if (leftFrom.has(to)) pingPongCount++;
    leftFrom.add(from);
  };
  /** Starts every pending explicit handoff into `department`; returns the earliest request time. */
  const startPending = (department: string, t: number): number | null => {
    let earliest: number | null = null;
    for (let k = 0; k < pending.length; ) {
      const h = handoffs[pending[k]!]!;
      if (h.to === department) {
        h.startedAt = t;
        if (earliest === null || h.requestedAt < earliest) earliest = h.requestedAt;
        pending.splice(k, 1);
      } else k++;
    }
    return earliest;
  };

  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    const t = e.t;
    const prev = i > 0 ? events[i - 1]! : undefined;

    if (prev !== undefined && completedAt === null) {
      const dt = t - prev.t;
      if (customerWaits > 0) customerWaitMs += dt;
      else if (open.length > 0) workMs += dt;
      else waitMs += dt;
      if (cals !== undefined) {
        if (customerWaits > 0) bCustomerWaitMs += cals.default.ms(prev.t, t);
        else if (open.length > 0) bWorkMs += cals.of(open[open.length - 1]!.department).ms(prev.t, t);
        else {
          const waitingFor = pending.length > 0 ? handoffs[pending[pending.length - 1]!]!.to : prev.department;
          bWaitMs += cals.of(waitingFor).ms(prev.t, t);
        }
      }
    }

    let di = deptIndex.get(e.department);
    if (di === undefined) {
      di = departments.length;
      deptIndex.set(e.department, di);
      departments.push(e.department);
      departmentEvents.push(0);
    }
    departmentEvents[di]!++;

    // Inferred handoffs (imported traces) compare each event with the last one that names a
    // department: an event without one (the importer's placeholder) is left out of the
    // sequence, as the process-mining reference does, so A → (unassigned) → B is one A → B.
    if (!hasExplicit && e.department !== UNASSIGNED_DEPARTMENT) {
      if (lastAssigned !== undefined && lastAssigned.department !== e.department) {
        handoffs.push({ from: lastAssigned.department, to: e.department, requestedAt: lastAssigned.t, startedAt: t, explicit: false, reason: undefined });
        handoffInto(lastAssigned.department, e.department);
      }
      lastAssigned = e;
    }

    if (e.activity !== undefined) {
      if (prevActivity !== undefined) {
        dfgFrom.push(prevActivity);
        dfgTo.push(e.activity);
        dfgDelay.push((t - prevActivityT) / 1000);
        dfgAt.push(prevActivityT);
      }
      activities.push(e.activity);
      prevActivity = e.activity;
      prevActivityT = t;
    }

    switch (e.type) {
      case 'JourneyStarted':
        if (journeyType === null) {
          journeyType = e.journeyType ?? null;
          channel = e.channel ?? null;
          promisedBy = e.promisedBy ?? null;
        }
        break;
      case 'HandoffRequested': {
        const to = e.toDepartment ?? e.department;
        pending.push(handoffs.length);
        handoffs.push({ from: e.department, to, requestedAt: t, startedAt: null, explicit: true, reason: e.reason });
        handoffInto(e.department, to);
        break;
      }
      case 'WorkStarted': {
        const requested = startPending(e.department, t);
        open.push({ index: steps.length, department: e.department, activity: e.activity ?? null });
        steps.push({
          department: e.department,
          activity: e.activity ?? null,
          queuedAt: requested ?? (prev ? prev.t : null),
          startedAt: t,
          completedAt: null,
          outcome: undefined,
        });
        break;
      }
      case 'WorkCompleted': {
        const activity = e.activity ?? null;
        let k = 0;
        while (k < open.length && !(open[k]!.department === e.department && open[k]!.activity === activity)) k++;
        if (k < open.length) {
          const step = steps[open[k]!.index]!;
          step.completedAt = t;
          step.outcome = e.outcome;
          open.splice(k, 1);
        } else {
          const requested = startPending(e.department, t);
          steps.push({
            department: e.department,
            activity,
            queuedAt: requested ?? (prev ? prev.t : null),
            startedAt: null,
            completedAt: t,
            outcome: e.outcome,
          });
        }
        break;
      }
      case 'CustomerWaitStarted':
        customerWaits++;
        break;
      case 'CustomerWaitEnded':
        if (customerWaits > 0) customerWaits--;
        break;
      case 'CustomerNotified':
        lastNotifiedAt = t;
        break;
      case 'JourneyCompleted':
        if (completedAt === null) {
          completedAt = t;
          outcome = e.outcome ?? null;
        }
        break;
    }
  }

  const last = events[n - 1]!;
  const lastEventAt = last.t;
  if (!hasStart && completedAt === null && !options.traceContinues) completedAt = lastEventAt;
  const leadMs = (completedAt ?? lastEventAt) - startedAt;

  let queued: JourneyFacts['queued'] = null;
  let currentDepartment: string | null;
  const latestPending = pending.length > 0 ? handoffs[pending[pending.length - 1]!]! : undefined;
  if (open.length > 0) currentDepartment = open[open.length - 1]!.department;
  else if (latestPending) currentDepartment = latestPending.to;
  else currentDepartment = last.department;
  if (completedAt === null && customerWaits === 0 && open.length === 0) {
    queued = latestPending
      ? { department: latestPending.to, since: latestPending.requestedAt }
      : { department: last.department, since: lastEventAt };
  }
  if (completedAt !== null) currentDepartment = null;

  return {
    journeyId,
    journeyType,
    channel,
    promisedBy,
    hasStart,
    startedAt,
    lastEventAt,
    completedAt,
    outcome,
    customerWaitOpen: customerWaits > 0 && completedAt === null,
    currentDepartment,
    departments,
    departmentEvents,
    steps,
    handoffs,
    leadMs,
    workMs,
    waitMs,
    customerWaitMs,
    pingPongCount,
    dfgFrom,
    dfgTo,
    dfgDelay,
    dfgAt,
    activities,
    openWork: completedAt === null ? open.map((o) => ({ department: o.department, since: steps[o.index]!.startedAt! })) : [],
    queued,
    eventCount: n,
    lastNotifiedAt,
    ...(cals !== undefined
      ? {
          business: {
            leadMs: bWorkMs + bWaitMs + bCustomerWaitMs,
            workMs: bWorkMs,
            waitMs: bWaitMs,
            customerWaitMs: bCustomerWaitMs,
            handoffDelayMs: handoffs.map((h) => (h.startedAt === null ? null : cals.of(h.to).ms(h.requestedAt, h.startedAt))),
            stepWaitMs: steps.map((st) => {
              const begin = st.startedAt ?? st.completedAt;
              return st.queuedAt === null || begin === null ? 0 : cals.of(st.department).ms(st.queuedAt, begin);
            }),
            stepWorkMs: steps.map((st) => (st.startedAt === null ? 0 : cals.of(st.department).ms(st.startedAt, st.completedAt ?? lastEventAt))),
          },
        }
      : {}),
  };
}

/** Seconds of a step's work: until completion, or until the journey's last event while open. */
export function stepWorkMs(step: StepFacts, lastEventAt: number): number {
  if (step.startedAt === null) return 0;
  return (step.completedAt ?? lastEventAt) - step.startedAt;
}

export function stepWaitMs(step: StepFacts): number {
  const begin = step.startedAt ?? step.completedAt;
  if (step.queuedAt === null || begin === null) return 0;
  return begin - step.queuedAt;
}
