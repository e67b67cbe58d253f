import type { Alert, AlertDigest, AlertKind } from '@journeys/contracts';
import type { AlertCandidate } from './evaluate.ts';

/** What changes when the candidates of an evaluation meet the open alerts. */
export interface AlertChanges {
  opened: AlertCandidate[];
  /** Open alerts whose severity went up (warning → critical), with their new figures. */
  escalated: { id: string; candidate: AlertCandidate }[];
  /** Open alerts whose condition no longer holds. */
  resolved: { id: string; key: string }[];
}

export type OpenAlertKey = Pick<Alert, 'id' | 'key' | 'severity'>;

/**
 * Meets candidates, one at a time, with the open alerts: one open alert per key
 * (deduplication), however often a condition is seen. A severity never goes down while open
 * (a flapping wait would otherwise alert twice). An alert that still holds at the same
 * severity is no change at all: its wait is computed when it is read, so a steady backlog
 * costs no write per evaluation.
 */
export interface AlertReconciler {
  see(candidate: AlertCandidate): void;
  /** The changes; the open alerts no candidate matched are resolved. */
  finish(): AlertChanges;
}

export function createReconciler(open: Iterable<OpenAlertKey>): AlertReconciler {
  const byKey = new Map<string, OpenAlertKey>();
  for (const a of open) byKey.set(a.key, a);
  const seen = new Set<string>();
  const changes: AlertChanges = { opened: [], escalated: [], resolved: [] };
  return {
    see(c) {
      if (seen.has(c.key)) return;
      seen.add(c.key);
      const existing = byKey.get(c.key);
      if (!existing) changes.opened.push(c);
      else if (existing.severity === 'warning' && c.severity === 'critical') changes.escalated.push({ id: existing.id, candidate: c });
    },
    finish() {
      for (const a of byKey.values()) if (!seen.has(a.key)) changes.resolved.push({ id: a.id, key: a.key });
      return changes;
    },
  };
}

/** Pure: the reconciler over a whole evaluation at once. */
export function reconcileAlerts(open: readonly OpenAlertKey[], candidates: Iterable<AlertCandidate>): AlertChanges {
  const r = createReconciler(open);
  for (const c of candidates) r.see(c);
  return r.finish();
}

/**
 * Groups changed alerts per (department, kind) so a backlog of a hundred overdue handoffs is
 * one message with counts and a bounded list, not a hundred messages.
 */
export function digestAlerts(
  changed: readonly { alert: Alert; change: 'opened' | 'escalated' | 'resolved' }[],
  openCount: (department: string, kind: AlertKind) => number,
  maxPerDigest: number,
  at: string,
): AlertDigest[] {
  const groups = new Map<string, AlertDigest>();
  for (const { alert, change } of changed) {
    const key = JSON.stringify([alert.department, alert.kind]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { department: alert.department, kind: alert.kind, opened: 0, escalated: 0, resolved: 0, open: 0, alerts: [], truncated: false, at }));
    g[change]++;
    if (g.alerts.length < maxPerDigest) g.alerts.push(alert);
    else g.truncated = true;
  }
  for (const g of groups.values()) g.open = openCount(g.department, g.kind);
  return [...groups.values()];
}
