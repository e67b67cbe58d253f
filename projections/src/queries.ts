import type {
  AnalyticsFilter,
  Clock,
  DepartmentFocus,
  Variants,
  CustomerStatus,
  DepartmentWorkload,
  HandoffAnalytics,
  JourneyState,
  JourneySummary,
  JourneyTimeline,
  ProcessMap,
  Replay,
} from '@journeys/contracts';
import type { AlertInputs } from './alerts/inputs.ts';
import type { EstimateStats } from './estimate/estimate.ts';

/**
 * What the API, the CLI and the viewer ask of the projections. The runner's in-memory
 * read models implement it; the pure folds behind it live next to this file.
 */
export interface JourneyListFilter {
  journeyType?: string;
  department?: string;
  state?: JourneyState;
  breached?: boolean;
}

export interface JourneyPage {
  items: JourneySummary[];
  /** Opaque; pass back as `cursor`. null on the last page. */
  nextCursor: string | null;
}

/** JourneyQueries.selectJourneys: every given field must hold (see selection.ts). */
export interface JourneySelection {
  journeyType?: string;
  /** visited this department */
  department?: string;
  /** variantId of its department path (variants.ts) */
  variant?: string;
  /** made a handoff from this department (with handoffTo: exactly that handoff) */
  handoffFrom?: string;
  handoffTo?: string;
  /** ISO instant: started at or before it, not completed before it */
  activeAt?: string;
}

export type ReadModelChange =
  | { kind: 'journey'; journeyId: string; position: number }
  | { kind: 'caught-up'; position: number };

export interface JourneyQueries {
  /** Newest first. Throws InvalidCursorError (from read-model.ts) on a cursor it did not issue. */
  listJourneys(filter: JourneyListFilter, page: { cursor?: string; limit: number }): JourneyPage;
  timeline(journeyId: string): JourneyTimeline | undefined;
  /** The customer-safe status, from its own projection. */
  customerStatus(journeyId: string): CustomerStatus | undefined;
  /**
   * Handoff delays per pair; `clock: 'business'` measures each delay in the receiving
   * department's open hours (needs calendars: throws NoCalendarsError without them).
   */
  handoffs(filter?: AnalyticsFilter & { clock?: Clock }): HandoffAnalytics;
  processMap(filter?: AnalyticsFilter): ProcessMap;
  /**
   * Workload as of `now` (default: the wall clock, for live data). A `now` before the newest
   * event takes every journey as it stood then (imported history: pass the instant).
   */
  departments(filter?: AnalyticsFilter & { now?: string }): DepartmentWorkload[];
  /** Every analytic as it stood at `instant`, by occurredAt. */
  replay(instant: string, filter?: AnalyticsFilter): Replay;
  // ---- journey map (issue 16): pure folds in variants.ts, selection.ts, rollup.ts, focus.ts ----
  /** Trace variants (department paths) of the filtered journeys, most frequent first, at most `limit`. */
  variants(filter?: AnalyticsFilter & { department?: string }, limit?: number): Variants;
  /** Journeys by selection, newest first, paged like listJourneys (swimlanes, a variant's or an edge's journeys). */
  selectJourneys(selection: JourneySelection, page: { cursor?: string; limit: number }): JourneyPage;
  /** The process map with departments renamed by `groups` (department → unit); exact stats over member handoffs. */
  processMapGrouped(groups: Readonly<Record<string, string>>, filter?: AnalyticsFilter): ProcessMap;
  /** One department close up at `now` (default the wall clock; earlier: as it stood then); `limit` waiting journeys. */
  departmentFocus(department: string, filter?: AnalyticsFilter & { now?: string }, limit?: number): DepartmentFocus;
  /** What the live silo alerts are evaluated from (alerts/inputs.ts): rows and cells, no history scan. */
  alertInputs(): AlertInputs;
  /** What completion estimates are computed from (estimate/estimate.ts). */
  estimateStats(): EstimateStats;
  /** Called after each applied batch with what changed (for SSE and the viewer). */
  onChange(listener: (change: ReadModelChange) => void): () => void;
  /** Global store position the read models reflect. */
  readonly position: number;
}
