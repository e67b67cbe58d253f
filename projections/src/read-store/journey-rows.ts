import { variantId, type CustomerStatus } from '@journeys/contracts';
import { departmentPath } from '../variants.ts';
import type { JourneyFacts } from '../journey-fold.ts';
import type { Estimate } from '../estimate/estimate.ts';
import { AT_RISK_SHARE } from '../sla.ts';
import { customerStatusOf, journeyState } from '../views.ts';

/**
 * The row-side view of one fold: what the journeys table, the membership table and the
 * "where is it now" table hold for a journey. Pure; the writer turns it into statements.
 */
export const STATE_CODE = { 'in-progress': 0, 'waiting-on-customer': 1, completed: 2 } as const;

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

/** Explicit handoffs not picked up yet, in an open journey (the alerts' "still waiting"). */
export function waitingHandoffsOf(f: JourneyFacts): { from: string; to: string; requestedAt: number }[] {
  if (f.completedAt !== null) return [];
  return f.handoffs.filter((h) => h.explicit && h.startedAt === null).map((h) => ({ from: h.from, to: h.to, requestedAt: h.requestedAt }));
}

/** The journey's variant, as the map's selection finds it (variants.ts defines the path). */
export function variantOf(f: JourneyFacts): string {
  return variantId(departmentPath(f));
}

/** The handoffs a journey made, each (from, to) once: its rows of journey_handoffs (with either end alone). */
export function handoffPairsOf(f: JourneyFacts): [string, string][] {
  const seen = new Map<string, [string, string]>();
  for (const h of f.handoffs) seen.set(JSON.stringify([h.from, h.to]), [h.from, h.to]);
  return [...seen.values()];
}

/**
 * Far enough in the past for "at risk from the start" (a promise window of 0 or less), and
 * the floor of the SLA marks' days: a sane calendar date (1900-01-01), so the month
 * arithmetic of the cells holds (the extremes of Date's range do not).
 */
export const ALWAYS = Date.UTC(1900, 0, 1);

/**
 * The instant an open journey's SLA turns at risk (sla.ts: at most AT_RISK_SHARE of the
 * window left): at risk at `now` iff riskFrom ≤ now ≤ promisedBy. Integer ms, rounded up,
 * so the comparison with an integer `now` is exact.
 */
export function riskFromOf(f: Pick<JourneyFacts, 'startedAt' | 'promisedBy'>): number {
  const window = f.promisedBy! - f.startedAt;
  if (window <= 0) return ALWAYS;
  return Math.ceil(f.promisedBy! - window * AT_RISK_SHARE);
}

export function spanOf(f: JourneyFacts): [number, number] {
  return [f.startedAt, f.completedAt === null ? OPEN_END : Math.max(f.lastEventAt, f.completedAt)];
}

/**
 * A customer status version is a function of the journey's state alone: its own distinct
 * events, twice, plus one once time alone has made an open journey late (on track → late is
 * the only change that needs no event). So it always grows, comes out the same after a
 * restart or on another instance (ETags and SSE ids stay valid), and says nothing about other
 * journeys (a global store position would tell a customer how busy the whole company is).
 */
export function statusOf(f: JourneyFacts, now: number, estimate?: Estimate | null): CustomerStatus {
  const status = customerStatusOf(f, now, undefined, estimate);
  const lateByTime = status.state !== 'completed' && status.onTrack === false ? 1 : 0;
  return { ...status, version: f.eventCount * 2 + lateByTime };
}

export const stateCode = (f: JourneyFacts): number => STATE_CODE[journeyState(f)];
