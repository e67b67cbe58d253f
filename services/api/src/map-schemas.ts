import { z } from 'zod';
import { AnalyticsFilterSchema, PATHS_BY, isoInstant } from '@journeys/contracts';
import { JourneyListQuerySchema, TimelineListQuerySchema } from './schemas.ts';

/**
 * Query strings of the journey-map routes (issue 16): the abstraction the process map and
 * the replay accept, the variants and focus routes, and the selection that /api/journeys and
 * /api/timelines accept beside their filters. OpenAPI is generated from these.
 */
const count = (max: number, what: string) =>
  z
    .string()
    .regex(/^\d{1,6}$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.int().min(0).max(max))
    .describe(what);
const name = z.string().min(1).max(128);

export const MapAbstractionQuerySchema = z.object({
  departments: count(5000, 'draw at most this many departments (or units), most journeys first; absent: all').optional(),
  paths: count(100_000, 'draw at most this many handoff edges among them, ranked by pathsBy; absent: all').optional(),
  pathsBy: z.enum(PATHS_BY).optional().describe('rank edges by handoffs (journeys, default) or by the waiting they cause (delay)'),
  focus: name.optional().describe('draw this department (or unit) and its direct neighbours only'),
  groupBy: z.string().min(1).max(64).optional().describe('roll departments up to this org-unit level (a level name of JOURNEY_ORG_UNITS)'),
  expand: name.optional().describe('with groupBy: draw the members of this unit one level closer'),
});

export const ProcessMapQuerySchema = z.strictObject({ ...AnalyticsFilterSchema.shape, ...MapAbstractionQuerySchema.shape });

export const ReplayMapQuerySchema = z.strictObject({
  asOf: isoInstant.describe('the instant to replay to (by occurredAt)'),
  ...AnalyticsFilterSchema.shape,
  ...MapAbstractionQuerySchema.omit({ groupBy: true, expand: true }).shape,
});

export const VariantsQuerySchema = z.strictObject({
  ...AnalyticsFilterSchema.shape,
  department: name.optional().describe('only journeys that visited this department'),
  limit: count(1000, 'at most this many variants, most frequent first (default 100)').pipe(z.int().min(1)).default(100),
});

export const FocusQuerySchema = z.strictObject({
  department: name.describe('the department to look at'),
  ...AnalyticsFilterSchema.shape,
  asOf: isoInstant.optional().describe('queue and waiting journeys as they stood then (default: now)'),
  limit: count(500, 'at most this many waiting journeys (default 50)').default(50),
});

/** Added to the journeys list and the timelines: select by variant, handoff or instant. */
export const SelectionQueryShape = {
  variant: z.string().min(1).max(64).optional().describe('the id of a variant (GET /api/analytics/variants)'),
  handoffFrom: name.optional().describe('journeys that made a handoff from this department (with handoffTo: exactly that handoff)'),
  handoffTo: name.optional().describe('journeys that made a handoff to this department'),
  activeAt: isoInstant.optional().describe('journeys started at or before this instant and not completed before it'),
};
export const JourneySelectQuerySchema = JourneyListQuerySchema.extend(SelectionQueryShape);
export const TimelineSelectQuerySchema = TimelineListQuerySchema.extend(SelectionQueryShape);
