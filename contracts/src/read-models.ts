import { z } from 'zod';

/**
 * Read-model shapes: what the projections compute and what the HTTP API returns.
 * Durations are in seconds (numbers, fractions allowed); instants are ISO-8601 UTC strings.
 */
const instant = z.string().describe('ISO-8601 instant, UTC');
const seconds = z.number().describe('seconds');
/** Business-time figures are present only when JOURNEY_CALENDARS is configured. */
const businessSeconds = z.number().optional().describe('seconds of open business hours (JOURNEY_CALENDARS); absent without calendars');

export const DurationStatsSchema = z.object({
  count: z.int(),
  mean: seconds,
  min: seconds,
  max: seconds,
  p50: seconds,
  p90: seconds,
  p99: seconds,
  sum: seconds,
});
export type DurationStats = z.infer<typeof DurationStatsSchema>;

export const SLA_STATES = ['none', 'on-track', 'at-risk', 'breached'] as const;
export const SlaStateSchema = z.enum(SLA_STATES);
export type SlaState = z.infer<typeof SlaStateSchema>;

export const JOURNEY_STATES = ['in-progress', 'waiting-on-customer', 'completed'] as const;
export const JourneyStateSchema = z.enum(JOURNEY_STATES);
export type JourneyState = z.infer<typeof JourneyStateSchema>;

export const SlaSchema = z.object({
  state: SlaStateSchema,
  promisedBy: instant.nullable(),
  /** Seconds left before the promise (negative once breached); null without a promise. */
  remainingSeconds: seconds.nullable(),
  /** Business seconds left before the promise on the organisation's default calendar (negative: elapsed business time since). */
  remainingBusinessSeconds: businessSeconds.nullable(),
});

export const TimelineEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  department: z.string(),
  occurredAt: instant,
  activity: z.string().optional(),
  actor: z.string().optional(),
});

export const TimelineStepSchema = z.object({
  department: z.string(),
  activity: z.string().nullable(),
  /** When the case entered this department's queue (handoff requested, or the previous department's last event). */
  queuedAt: instant.nullable(),
  startedAt: instant.nullable(),
  completedAt: instant.nullable(),
  waitSeconds: seconds,
  workSeconds: seconds,
  /** Queue wait in the receiving department's open hours. */
  businessWaitSeconds: businessSeconds,
  businessWorkSeconds: businessSeconds,
  outcome: z.string().optional(),
});
export type TimelineStep = z.infer<typeof TimelineStepSchema>;

export const HandoffSchema = z.object({
  from: z.string(),
  to: z.string(),
  requestedAt: instant,
  startedAt: instant.nullable(),
  delaySeconds: seconds.nullable(),
  /** The delay in the receiving department's open hours (the time it could have picked the case up). */
  businessDelaySeconds: businessSeconds.nullable(),
  /** true for a HandoffRequested event; false when inferred from a change of department (imported logs). */
  explicit: z.boolean(),
  reason: z.string().optional(),
});
export type Handoff = z.infer<typeof HandoffSchema>;

export const JourneyTotalsSchema = z.object({
  leadTimeSeconds: seconds,
  workSeconds: seconds,
  waitSeconds: seconds,
  customerWaitSeconds: seconds,
  /** work / (lead − customer wait); null when that denominator is 0. */
  flowEfficiency: z.number().nullable(),
  /** The same totals in business time (work/wait in the departments' calendars, customer wait on the default). */
  business: z
    .object({
      leadTimeSeconds: seconds,
      workSeconds: seconds,
      waitSeconds: seconds,
      customerWaitSeconds: seconds,
      flowEfficiency: z.number().nullable(),
    })
    .optional(),
});

export const JourneyTimelineSchema = z.object({
  journeyId: z.string(),
  journeyType: z.string().nullable(),
  channel: z.string().nullable(),
  state: JourneyStateSchema,
  outcome: z.string().nullable(),
  startedAt: instant,
  lastEventAt: instant,
  completedAt: instant.nullable(),
  currentDepartment: z.string().nullable(),
  departments: z.array(z.string()),
  steps: z.array(TimelineStepSchema),
  handoffs: z.array(HandoffSchema),
  totals: JourneyTotalsSchema,
  pingPongCount: z.int(),
  sla: SlaSchema,
  eventCount: z.int(),
  events: z.array(TimelineEventSchema),
  /** Completion estimate of an open journey (docs/metrics.md § Estimates); absent when none. */
  estimate: z
    .object({
      stage: z.string(),
      expectedBy: instant,
      low: instant,
      high: instant,
      basis: z.enum(['stage', 'type']).describe('stage: journeys of the type at the same stage; type: the type\'s lead times, at the same age'),
      samples: z.int(),
      clock: z.enum(['elapsed', 'business']),
      trendingLate: z.boolean().nullable(),
      stagesAhead: z.array(z.string()),
    })
    .optional(),
});
export type JourneyTimeline = z.infer<typeof JourneyTimelineSchema>;

export const JourneySummarySchema = z.object({
  journeyId: z.string(),
  journeyType: z.string().nullable(),
  state: JourneyStateSchema,
  startedAt: instant,
  lastEventAt: instant,
  completedAt: instant.nullable(),
  currentDepartment: z.string().nullable(),
  departments: z.array(z.string()),
  leadTimeSeconds: seconds,
  slaState: SlaStateSchema,
  breached: z.boolean(),
  eventCount: z.int(),
  pingPongCount: z.int(),
});
export type JourneySummary = z.infer<typeof JourneySummarySchema>;

/**
 * How fresh an answer is: the event-store position the read models reflect (opaque: compare
 * it only with positions the same store hands out) and whether the projections had caught
 * up with the store when it was computed. Also sent as the `Journeys-Position` and
 * `Journeys-Caught-Up` headers.
 */
export const FreshnessSchema = z.object({
  position: z.string().describe('event-store position the answer reflects (opaque)'),
  caughtUp: z.boolean().describe('false while the projections are catching up: figures are partial'),
});
export type Freshness = z.infer<typeof FreshnessSchema>;
const freshness = FreshnessSchema.optional();

export const HandoffPairStatsSchema = DurationStatsSchema.extend({
  from: z.string(),
  to: z.string(),
  /** Handoffs of this pair into a department the journey had already handed off from (the fold's ping-pong rule). */
  pingPong: z.int().optional(),
});
export type HandoffPairStats = z.infer<typeof HandoffPairStatsSchema>;

export const HandoffAnalyticsSchema = z.object({
  /** Which clock the delays are measured on (?clock=); absent means elapsed. */
  clock: z.enum(['elapsed', 'business']).optional(),
  pairs: z.array(HandoffPairStatsSchema),
  journeys: z.int(),
  handoffs: z.int(),
  freshness,
});
export type HandoffAnalytics = z.infer<typeof HandoffAnalyticsSchema>;

export const ProcessMapDepartmentSchema = z.object({
  department: z.string(),
  journeys: z.int(),
  events: z.int(),
  work: DurationStatsSchema,
  queue: DurationStatsSchema,
  wip: z.int(),
  queueLength: z.int(),
  /** On a map rolled up by organisational unit: the departments drawn as this unit. */
  members: z.array(z.string()).optional(),
});
export const ProcessMapEdgeSchema = z.object({
  from: z.string(),
  to: z.string(),
  count: z.int(),
  delay: DurationStatsSchema,
  /** Handoffs of this pair into a department the journey had already handed off from (the fold's ping-pong rule). */
  pingPong: z.int().optional(),
});
export const ActivityNodeSchema = z.object({ activity: z.string(), count: z.int() });
export const ProcessMapSchema = z.object({
  departments: z.array(ProcessMapDepartmentSchema),
  edges: z.array(ProcessMapEdgeSchema),
  /** Activity-level directly-follows graph (performance DFG). */
  activities: z.object({
    nodes: z.array(ActivityNodeSchema),
    edges: z.array(ProcessMapEdgeSchema),
  }),
  freshness,
});
export type ProcessMap = z.infer<typeof ProcessMapSchema>;

export const DepartmentWorkloadSchema = z.object({
  department: z.string(),
  wip: z.int().describe('journeys in started work here now'),
  queueLength: z.int().describe('journeys handed to this department and not yet started'),
  oldestWaiting: z
    .object({ journeyId: z.string(), since: instant, waitingSeconds: seconds })
    .nullable(),
  throughputPerDay: z.number().describe('work completions per day over the last 7 days before the reference instant'),
  completed: z.int(),
  slaAtRisk: z.int(),
  slaBreached: z.int(),
});
export type DepartmentWorkload = z.infer<typeof DepartmentWorkloadSchema>;

export const DepartmentsSchema = z.object({ asOf: instant, departments: z.array(DepartmentWorkloadSchema), freshness });

export const CUSTOMER_STATES = ['in-progress', 'waiting-on-you', 'completed'] as const;
/** Customer-safe: no actors, departments' internal reasons, delays or other customers. */
export const CustomerStatusSchema = z.object({
  journeyId: z.string(),
  journeyType: z.string().nullable(),
  stage: z.string(),
  stepsDone: z.array(z.object({ label: z.string(), completedAt: instant })),
  state: z.enum(CUSTOMER_STATES),
  outcome: z.enum(['resolved', 'rejected', 'withdrawn']).nullable(),
  lastUpdate: instant,
  promisedBy: instant.nullable(),
  onTrack: z.boolean().nullable(),
  /** Estimated completion (median of comparable journeys); absent or null when none can be given. */
  expectedBy: instant.nullable().optional(),
  /** 10th–90th percentile range of the estimated completion. */
  expectedRange: z.object({ from: instant, to: instant }).optional(),
  /** The estimate is past the promised date. */
  trendingLate: z.boolean().optional(),
  /** The typical stages still ahead, in order (the current one is `stage`). */
  stagesAhead: z.array(z.string()).optional(),
  /** Monotonic per journey: changes whenever the status changes (SSE event id). */
  version: z.int(),
});
export type CustomerStatus = z.infer<typeof CustomerStatusSchema>;

export const AnalyticsFilterSchema = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('only what happened on or after the UTC day of this instant (a handoff counts on the day it was requested, work on the day it started)'),
  to: z.iso.datetime({ offset: true }).optional().describe('only what happened before the end of the UTC day of this instant (exclusive when it is a midnight)'),
  journeyType: z.string().min(1).max(128).optional(),
});
export type AnalyticsFilter = z.infer<typeof AnalyticsFilterSchema>;

export const ReplaySchema = z.object({
  asOf: instant,
  handoffs: HandoffAnalyticsSchema,
  processMap: ProcessMapSchema,
  departments: z.array(DepartmentWorkloadSchema),
  journeys: z.object({ total: z.int(), inProgress: z.int(), completed: z.int() }),
  freshness,
});
export type Replay = z.infer<typeof ReplaySchema>;
