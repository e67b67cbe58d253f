import type { CustomerStatus, JourneySummary } from '@journeys/contracts';
import type { JourneyFacts } from '../journey-fold.ts';
import { AT_RISK_SHARE, slaState } from '../sla.ts';
import { customerStatusOf, journeyState, toSummary } from '../views.ts';

/**
 * The row-side view of one fold: what the journeys table, the membership table and the
 * "where is it now" table hold for a journey. Pure; the writer turns it into statements.
 */
export const STATE_CODE = { 'in-progress': 0, 'waiting-on-customer': 1, completed: 2 } as const;
export const STATE_OF_CODE = ['in-progress', 'waiting-on-customer', 'completed'] as const;

/** Open journeys span "for ever" in the span index. */
export const OPEN_END = 1e15;

export interface HereRow {
  department: string;
  kind: 0 | 1 | 2;
  since: number;
}

export function hereRowsOf(f: JourneyFacts): HereRow[] {
  if (f.completedAt !== null) return [];
  const rows: HereRow[] = f.openWork.map((o) => ({ department: o.department, kind: 0, since: o.since }));
  if (f.queued) rows.push({ department: f.queued.department, kind: 1, since: f.queued.since });
  if (f.customerWaitOpen && f.currentDepartment) rows.push({ department: f.currentDepartment, kind: 2, since: f.lastEventAt });
  return rows;
}

export function spanOf(f: JourneyFacts): [number, number] {
  return [f.startedAt, f.completedAt === null ? OPEN_END : Math.max(f.lastEventAt, f.completedAt)];
}

/** The summary without its now-dependent SLA fields (filled in at read time). */
export function storedSummary(f: JourneyFacts): JourneySummary {
  return toSummary(f, 0);
}

/** The customer status without `onTrack` and `version` (filled in at read time). */
export function storedStatus(f: JourneyFacts): Omit<CustomerStatus, 'version'> {
  return customerStatusOf(f, 0);
}

export interface SlaColumns {
  startedAt: number;
  completedAt: number | null;
  promisedBy: number | null;
}

export function summaryAt(stored: JourneySummary, sla: SlaColumns, now: number): JourneySummary {
  const state = slaState(sla, now);
  return { ...stored, slaState: state, breached: state === 'breached' };
}

/**
 * A customer status version is a function of the journey's state alone: its own distinct
 * events, twice, plus one once time alone has made an open journey late (on track → late is
 * the only change that needs no event). So it always grows, comes out the same after a
 * restart or on another instance (ETags and SSE ids stay valid), and says nothing about other
 * journeys (a global store position would tell a customer how busy the whole company is).
 */
export function statusAt(stored: Omit<CustomerStatus, 'version'>, sla: SlaColumns, eventCount: number, now: number): CustomerStatus {
  const state = slaState(sla, now);
  const onTrack = state === 'none' ? null : state !== 'breached';
  const lateByTime = stored.state !== 'completed' && onTrack === false ? 1 : 0;
  return { ...stored, onTrack, version: eventCount * 2 + lateByTime };
}

/** The instant from which an open journey is at risk (docs/metrics.md's SLA rule). */
export function atRiskFrom(f: SlaColumns): number | null {
  if (f.promisedBy === null) return null;
  const window = f.promisedBy - f.startedAt;
  return window <= 0 ? Number.NEGATIVE_INFINITY : f.promisedBy - window * AT_RISK_SHARE;
}

export const stateCode = (f: JourneyFacts): number => STATE_CODE[journeyState(f)];
