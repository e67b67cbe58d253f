import { z } from 'zod';
import { DepartmentWorkloadSchema, DurationStatsSchema, ProcessMapEdgeSchema, ProcessMapSchema, ReplaySchema } from './read-models.ts';

/**
 * Shapes of the journey map for organisations with hundreds of teams: the abstraction the
 * process-map route applies (which departments and paths to draw, and what was left out),
 * organisational units to roll departments up into, a department's focus, and trace
 * variants. Durations are seconds, instants ISO-8601 UTC strings.
 */
const seconds = z.number().describe('seconds');
const instant = z.string().describe('ISO-8601 instant, UTC');

export const PATHS_BY = ['journeys', 'delay'] as const;

/** What the process map may be cut down to; every field optional (none: the whole map). */
export const MapAbstractionSchema = z.object({
  departments: z.int().min(1).max(5000).optional().describe('draw at most this many departments, busiest (most journeys) first'),
  paths: z.int().min(0).max(100_000).optional().describe('draw at most this many handoff edges among the drawn departments, ranked by `pathsBy`'),
  pathsBy: z.enum(PATHS_BY).optional().describe('rank edges by handoffs (`journeys`, default) or by the waiting they cause (`delay`: sum of delays)'),
  focus: z.string().min(1).max(128).optional().describe('draw this department and its direct neighbours only'),
});
export type MapAbstraction = z.infer<typeof MapAbstractionSchema>;

/** Present on a process map cut down by an abstraction: what is drawn and what is not. */
export const MapAbstractionInfoSchema = z.object({
  pathsBy: z.enum(PATHS_BY),
  focus: z.string().nullable(),
  groupBy: z.string().nullable().describe('the org-unit level departments are rolled up to; null: departments'),
  departments: z.object({ shown: z.int(), total: z.int() }),
  edges: z.object({ shown: z.int(), total: z.int() }),
  hidden: z.object({
    departments: z.int().describe('departments (or units) not drawn'),
    edges: z.int().describe('handoff pairs not drawn'),
    handoffs: z.int().describe('handoffs on the pairs not drawn'),
    handoffShare: z.number().describe('hidden handoffs / all handoffs, 0–1'),
    delaySeconds: seconds.describe('waiting caused by the hidden handoffs (sum of their delays)'),
  }),
});
export type MapAbstractionInfo = z.infer<typeof MapAbstractionInfoSchema>;

// ---- organisational units ------------------------------------------------------------

/**
 * Department → organisational unit, on several levels (JOURNEY_ORG_UNITS names such a JSON
 * file). `levels` names the levels from the closest to the departments outwards, e.g.
 * ["group", "division"]; each department lists its unit at each level, in that order.
 * A department the file does not name is its own unit at every level.
 */
export const OrgUnitsSchema = z
  .object({
    levels: z.array(z.string().min(1).max(64)).min(1).max(8),
    units: z.record(z.string().min(1).max(128), z.array(z.string().min(1).max(128))),
  })
  .superRefine((o, ctx) => {
    if (new Set(o.levels).size !== o.levels.length) ctx.addIssue({ code: 'custom', path: ['levels'], message: 'level names must be distinct' });
    for (const [d, path] of Object.entries(o.units)) {
      if (path.length !== o.levels.length) {
        ctx.addIssue({ code: 'custom', path: ['units', d], message: `needs one unit per level (${o.levels.length}), has ${path.length}` });
      }
    }
  });
export type OrgUnits = z.infer<typeof OrgUnitsSchema>;

/** The unit of `department` at `level` (0 = closest), or the department itself when unmapped. */
export function unitOf(units: OrgUnits, department: string, level: number): string {
  return units.units[department]?.[level] ?? department;
}

/**
 * The department → group mapping for drawing the map at `level`: every department is shown
 * as its unit there, except members of `expand` (a unit at that level), drawn one level
 * closer (as departments at level 0). The result feeds JourneyQueries.processMapGrouped.
 */
export function groupingOf(units: OrgUnits, level: number, expand?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of Object.keys(units.units)) {
    const u = unitOf(units, d, level);
    out[d] = expand !== undefined && u === expand ? (level === 0 ? d : unitOf(units, d, level - 1)) : u;
  }
  return out;
}

// ---- focus ---------------------------------------------------------------------------

export const FocusEdgeSchema = ProcessMapEdgeSchema.extend({
  delayCausedSeconds: seconds.describe('sum of this pair’s handoff delays: the waiting it caused'),
});

export const WaitingJourneySchema = z.object({
  journeyId: z.string(),
  since: instant,
  waitingSeconds: seconds,
  from: z.string().nullable().describe('the department that handed it over, when known'),
});

export const DepartmentFocusSchema = z.object({
  department: z.string(),
  asOf: instant,
  journeys: z.int().describe('journeys that visited the department'),
  work: DurationStatsSchema,
  queue: DurationStatsSchema,
  workload: DepartmentWorkloadSchema.nullable().describe('queue and WIP now'),
  neighbours: z.array(z.string()).describe('departments it hands to or receives from, busiest first'),
  incoming: z.array(FocusEdgeSchema).describe('handoffs into it, most delay caused first'),
  outgoing: z.array(FocusEdgeSchema).describe('handoffs out of it, most delay caused first'),
  waiting: z.array(WaitingJourneySchema).describe('journeys queued there now, longest waiting first'),
  waitingTotal: z.int(),
});
export type DepartmentFocus = z.infer<typeof DepartmentFocusSchema>;

// ---- variants ------------------------------------------------------------------------

export const VariantSchema = z.object({
  id: z.string().describe('stable id of the path (variantId): pass as `variant` to /api/journeys and /api/timelines'),
  path: z.array(z.string()).describe('departments in the order the journey went through them (repeats when it came back)'),
  count: z.int(),
  share: z.number().describe('count / journeys, 0–1'),
  medianLeadTimeSeconds: seconds,
  medianSiloDelaySeconds: seconds.describe('median over its journeys of the sum of their handoff delays'),
});
export type Variant = z.infer<typeof VariantSchema>;

export const VariantsSchema = z.object({
  journeys: z.int(),
  firstStartedAt: instant.nullable().describe('earliest start among the journeys counted (the replay’s range)'),
  lastEventAt: instant.nullable().describe('latest event among them'),
  total: z.int().describe('distinct variants'),
  variants: z.array(VariantSchema).describe('most frequent first'),
});
export type Variants = z.infer<typeof VariantsSchema>;

/**
 * The id of a department path: FNV-1a (32 bit, two rounds) over the names joined by U+0000,
 * in hex. Short enough for a URL whatever the path; every read store computes the same.
 */
export function variantId(path: readonly string[]): string {
  const s = path.join('\u0000');
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619) >>> 0;
    b = Math.imul(b ^ c, 2246822519) >>> 0;
  }
  return `v${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}

// ---- responses with an abstraction ---------------------------------------------------

export const AbstractedProcessMapSchema = ProcessMapSchema.extend({
  abstraction: MapAbstractionInfoSchema.optional().describe('present when the map was cut down or rolled up (query parameters)'),
});
export type AbstractedProcessMap = z.infer<typeof AbstractedProcessMapSchema>;

export const AbstractedReplaySchema = ReplaySchema.extend({ processMap: AbstractedProcessMapSchema });
