import type { AlertKind, AlertRules, AlertSeverity, Clock } from '@journeys/contracts';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import { slaState } from '../sla.ts';
import type { AlertInputs } from './inputs.ts';

/** One condition that holds now; the store turns candidates into alerts (reconcile.ts). */
export interface AlertCandidate {
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  department: string;
  journeyId: string;
  journeyType: string | null;
  from: string | null;
  to: string | null;
  since: number;
  waitedSeconds: number;
  thresholdSeconds: number;
  clock: Clock;
  samples: number | null;
}

export function alertKey(kind: AlertKind, journeyId: string, from?: string, to?: string): string {
  return JSON.stringify(from === undefined ? [kind, journeyId] : [kind, journeyId, from, to]);
}

/**
 * Every alert condition that holds at `now`: pure, from the inputs and the rules. A waiting
 * handoff is overdue past its pair's p90 (or the pair's override), once the pair has at
 * least `minSamples` picked-up handoffs; critical past `escalateFactor` times the limit.
 */
export function evaluateAlerts(inputs: AlertInputs, rules: AlertRules, now: number, calendars?: CalendarSet): AlertCandidate[] {
  return [...alertCandidates(inputs, rules, now, calendars)];
}

/**
 * The same conditions one at a time, as the inputs yield them: the live service pulls them in
 * slices and lets requests run in between, and never holds every candidate at once (a backlog
 * of a hundred thousand open journeys would otherwise be one long pause and tens of MiB).
 */
export function* alertCandidates(inputs: AlertInputs, rules: AlertRules, now: number, calendars?: CalendarSet): Generator<AlertCandidate> {
  const clock = inputs.clock;
  const learned = new Map<string, { count: number; p90Seconds: number }>();
  for (const p of inputs.pairDelays()) learned.set(`${p.from}\u0000${p.to}`, p);
  const overrides = new Map(rules.pairs.map((o) => [`${o.from}\u0000${o.to}`, o]));

  for (const w of inputs.waitingHandoffs()) {
    const pair = `${w.from}\u0000${w.to}`;
    const o = overrides.get(pair);
    if (o?.disabled) continue;
    const stats = learned.get(pair);
    let threshold: number;
    let samples: number | null = null;
    if (o?.thresholdSeconds !== undefined) threshold = o.thresholdSeconds;
    else {
      if (!stats || stats.count < (o?.minSamples ?? rules.minSamples)) continue;
      threshold = stats.p90Seconds;
      samples = stats.count;
    }
    const waitedMs = clock === 'business' && calendars ? calendars.of(w.to).ms(w.requestedAt, now) : now - w.requestedAt;
    const waited = waitedMs / 1000;
    if (!(waited > threshold)) continue;
    yield {
      key: alertKey('handoff-overdue', w.journeyId, w.from, w.to),
      kind: 'handoff-overdue',
      severity: waited > threshold * rules.escalateFactor ? 'critical' : 'warning',
      department: w.to,
      journeyId: w.journeyId,
      journeyType: w.journeyType,
      from: w.from,
      to: w.to,
      since: w.requestedAt,
      waitedSeconds: waited,
      thresholdSeconds: threshold,
      clock,
      samples,
    };
  }

  for (const j of inputs.openJourneys()) {
    const department = j.department ?? 'unassigned';
    if (rules.slaAtRisk && j.promisedBy !== null) {
      const state = slaState({ startedAt: j.startedAt, completedAt: null, promisedBy: j.promisedBy }, now);
      if (state === 'at-risk' || state === 'breached') {
        yield {
          key: alertKey('sla-at-risk', j.journeyId),
          kind: 'sla-at-risk',
          severity: state === 'breached' ? 'critical' : 'warning',
          department,
          journeyId: j.journeyId,
          journeyType: j.journeyType,
          from: null,
          to: null,
          since: j.startedAt,
          waitedSeconds: (now - j.startedAt) / 1000,
          thresholdSeconds: (j.promisedBy - j.startedAt) / 1000,
          clock: 'elapsed',
          samples: null,
        };
      }
    }
    if (rules.customerSilenceSeconds > 0 && !j.customerWaitOpen) {
      const silent = (now - j.lastContactAt) / 1000;
      if (silent > rules.customerSilenceSeconds) {
        yield {
          key: alertKey('customer-not-heard', j.journeyId),
          kind: 'customer-not-heard',
          severity: silent > rules.customerSilenceSeconds * rules.escalateFactor ? 'critical' : 'warning',
          department,
          journeyId: j.journeyId,
          journeyType: j.journeyType,
          from: null,
          to: null,
          since: j.lastContactAt,
          waitedSeconds: silent,
          thresholdSeconds: rules.customerSilenceSeconds,
          clock: 'elapsed',
          samples: null,
        };
      }
    }
  }
}
