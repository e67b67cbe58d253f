import type { Alert, AlertDigest, AlertKind } from '@journeys/contracts';
import type { AlertCandidate } from './evaluate.ts';

/** What changes when the candidates of an evaluation meet the open alerts. */
export interface AlertChanges {
  opened: AlertCandidate[];
  /** Open alerts whose severity went up (warning → critical), with their new figures. */
  escalated: { id: string; candidate: AlertCandidate }[];
  /** Open alerts whose condition still holds: new wait figures, nothing to announce. */
  updated: { id: string; candidate: AlertCandidate }[];
  /** Open alerts whose condition no longer holds. */
  resolved: { id: string; key: string }[];
}

/**
 * Pure: one open alert per key (deduplication), whatever how often a condition is seen.
 * A severity never goes down while open (a flapping wait would otherwise alert twice).
 */
export function reconcileAlerts(open: readonly Pick<Alert, 'id' | 'key' | 'severity'>[], candidates: readonly AlertCandidate[]): AlertChanges {
  const byKey = new Map(open.map((a) => [a.key, a]));
  const seen = new Set<string>();
  const changes: AlertChanges = { opened: [], escalated: [], updated: [], resolved: [] };
  for (const c of candidates) {
    if (seen.has(c.key)) continue;
    seen.add(c.key);
    const existing = byKey.get(c.key);
    if (!existing) changes.opened.push(c);
    else if (existing.severity === 'warning' && c.severity === 'critical') changes.escalated.push({ id: existing.id, candidate: c });
    else changes.updated.push({ id: existing.id, candidate: { ...c, severity: existing.severity } });
  }
  for (const a of open) if (!seen.has(a.key)) changes.resolved.push({ id: a.id, key: a.key });
  return changes;
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
