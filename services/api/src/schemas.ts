import { z } from 'zod';
import { AlertKindSchema, AlertStateSchema, AnalyticsFilterSchema, ClockSchema, EVENT_TYPES, JOURNEY_STATES, JourneyIdSchema, ProblemSchema, RoleSchema, isoInstant } from '@journeys/contracts';

/**
 * Request shapes of the HTTP API that the contracts do not already hold (query strings,
 * path parameters, a few response extensions). Route handlers parse with these and the
 * OpenAPI document is generated from these: one definition each.
 */
const limit = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.int().min(1).max(max))
    .default(fallback)
    .describe(`page size, 1–${max} (default ${fallback})`);

const cursor = z.string().min(1).max(8192).describe('opaque: the nextCursor of the previous page');
const bool = z.enum(['true', 'false']).transform((s) => s === 'true');

export const JourneyIdParamSchema = z.strictObject({ id: JourneyIdSchema });

export const JourneyListQuerySchema = z.strictObject({
  journeyType: z.string().min(1).max(128).optional(),
  department: z.string().min(1).max(128).optional(),
  // PRODUCT.md names the customer-facing value `waiting-on-you`; the analyst's name for the same
  // state is `waiting-on-customer`. Both are accepted.
  state: z.preprocess((v) => (v === 'waiting-on-you' ? 'waiting-on-customer' : v), z.enum(JOURNEY_STATES)).optional(),
  breached: bool.optional().describe('true: only journeys past their promised date'),
  cursor: cursor.optional(),
  limit: limit(500, 50),
});

export const TimelineListQuerySchema = JourneyListQuerySchema.extend({ limit: limit(1000, 100) });

export const HandoffQuerySchema = z.strictObject({
  ...AnalyticsFilterSchema.shape,
  clock: ClockSchema.optional().describe("business: each delay in the receiving department's open hours (needs JOURNEY_CALENDARS); default elapsed"),
});

/** GET /api/alerts: newest change first. */
export const AlertListQuerySchema = z.strictObject({
  state: AlertStateSchema.optional(),
  kind: AlertKindSchema.optional(),
  department: z.string().min(1).max(128).optional().describe('the department name as recorded (the one that can act)'),
  journeyId: JourneyIdSchema.optional(),
  cursor: cursor.optional(),
  limit: limit(500, 100),
});

export const DepartmentsQuerySchema = z.strictObject({
  ...AnalyticsFilterSchema.shape,
  asOf: isoInstant.optional().describe('reference instant for waiting times (default: the newest event seen, or now)'),
});

export const ReplayQuerySchema = z.strictObject({
  asOf: isoInstant.describe('the instant to replay to (by occurredAt)'),
  ...AnalyticsFilterSchema.shape,
});

const eventTypes = z
  .string()
  .max(512)
  .transform((s) => s.split(','))
  .pipe(z.array(z.enum(EVENT_TYPES)).min(1))
  .describe(`one event type or a comma-separated list (${EVENT_TYPES.join(', ')})`);

export const AuditQuerySchema = z.strictObject({
  journeyId: JourneyIdSchema.optional(),
  department: z.string().min(1).max(128).optional().describe('the department name as recorded'),
  type: eventTypes.optional(),
  from: isoInstant.optional().describe('occurredAt at or after'),
  to: isoInstant.optional().describe('occurredAt before'),
  cursor: cursor.optional(),
  limit: limit(1000, 100),
});

/** GET /api/dead-letters (admin). */
export const DeadLetterQuerySchema = z.strictObject({
  department: z.string().min(1).max(128).optional().describe('a department name or slug'),
  reason: z.string().min(1).max(64).optional().describe('e.g. invalid_event, department_mismatch, id_conflict, max_deliveries'),
  pending: bool.optional().describe('true: only letters not yet re-driven into the store'),
  cursor: cursor.optional(),
  limit: limit(1000, 100),
});

/** Status and stream routes also accept the token in the query (EventSource, widgets). */
export const TokenQuerySchema = z.strictObject({
  token: z.string().max(4096).optional().describe('the token, for clients that cannot set Authorization'),
});

export const StreamQuerySchema = z.strictObject({
  token: z.string().max(4096).optional(),
  lastEventId: z.string().max(32).optional().describe('same as the Last-Event-ID header'),
});

export const TokenRequestSchema = z.strictObject({
  role: RoleSchema.describe('analyst, auditor, admin, metrics, customer or department:<slug>'),
  journeyId: JourneyIdSchema.optional(),
  ttl: z.string().max(16).optional().describe('e.g. 30m, 12h, 7d (default 24h)'),
});
export const TokenResponseSchema = z.object({ token: z.string(), role: z.string(), expiresAt: z.string(), jti: z.string().optional() });
/** POST /api/tokens/revocations: name the token by its id (`jti`), or hand over the token itself. */
export const RevocationRequestSchema = z
  .strictObject({
    jti: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/).optional(),
    token: z.string().min(1).max(4096).optional(),
  })
  .refine((b) => (b.jti === undefined) !== (b.token === undefined), { message: 'give exactly one of jti and token' });
export const RevocationResponseSchema = z.object({ jti: z.string(), revokedUntil: z.string() });

/** A 503 from POST /api/events says exactly which events the bus took and which it did not. */
export const PublishFailureSchema = z.object({
  id: z.string(),
  code: z.enum(['unavailable', 'rejected']),
  message: z.string(),
});
export const IngressProblemSchema = ProblemSchema.extend({
  accepted: z.array(z.string()).optional().describe('ids the bus durably took (safe: retrying them is harmless)'),
  notAccepted: z.array(PublishFailureSchema).optional().describe('ids that were not taken: publish them again with the same id'),
});

export const HealthSchema = z.object({ status: z.literal('ok'), uptimeSeconds: z.number() });
export const ReadinessSchema = z.object({
  ready: z.boolean(),
  checks: z.object({
    store: z.object({ ok: z.boolean(), kind: z.string(), headPosition: z.int().nullable() }),
    bus: z.object({ ok: z.boolean(), kind: z.string() }),
    projections: z.object({
      ok: z.boolean(),
      position: z.int(),
      lag: z.int().nullable().describe('events in the store after the projections position, counted by the store up to the allowed lag + 1'),
    }),
    subscriptions: z
      .object({ ok: z.boolean(), open: z.int(), down: z.int() })
      .describe("the process's subscriptions to the store; one that is down is retrying with back-off"),
  }),
  reasons: z.array(z.string()),
});
export type Readiness = z.infer<typeof ReadinessSchema>;

export const EmptyQuerySchema = z.strictObject({});

/** POST /api/erasures: crypto-shred one customer's personal data (the reference travels in the body, never a URL a log could keep). */
export const ErasureRequestSchema = z.strictObject({ customerRef: z.string().min(1).max(128) });
export const ErasureResponseSchema = z.object({
  erased: z.boolean(),
  journeys: z.int(),
  erasedAt: z.string(),
  deadLetters: z.int().describe('dead letters that named the customer or one of their journeys, now without their payload'),
});
