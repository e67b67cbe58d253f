import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertKey, createCalendarSet, reconcileAlerts, type AlertCandidate } from '@journeys/projections';
import { openAlertStore } from '../src/index.ts';

/** The alert store on a real file: what an evaluation writes, and two processes sharing it. */
const dir = mkdtempSync(join(tmpdir(), 'alert-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MIN = 60_000;
const T0 = Date.parse('2026-03-02T09:00:00Z'); // a Monday

function overdue(journeyId: string, waitedMin: number, severity: AlertCandidate['severity'] = 'warning', clock: AlertCandidate['clock'] = 'elapsed'): AlertCandidate {
  return {
    key: alertKey('handoff-overdue', journeyId, 'Intake', 'Legal'),
    kind: 'handoff-overdue',
    severity,
    department: 'Legal',
    journeyId,
    journeyType: 'claim',
    from: 'Intake',
    to: 'Legal',
    since: T0,
    waitedSeconds: waitedMin * 60,
    thresholdSeconds: 600,
    clock,
    samples: 30,
  };
}

describe('alert store', () => {
  it('writes nothing for a backlog that keeps holding, and counts an open alert\'s wait to the moment it is read', () => {
    const store = openAlertStore(join(dir, 'steady.db'));
    try {
      const candidates = Array.from({ length: 50 }, (_, i) => overdue(`j${i}`, 20));
      expect(store.record(candidates, T0 + 20 * MIN)).toHaveLength(50);
      const before = store.list({}, { limit: 500 }, T0 + 20 * MIN);
      // Ten minutes on, the same conditions at the same severity: no change, no new sequence.
      expect(store.record(candidates.map((c) => ({ ...c, waitedSeconds: 30 * 60 })), T0 + 30 * MIN)).toEqual([]);
      const after = store.list({}, { limit: 500 }, T0 + 30 * MIN);
      expect(after.map((a) => [a.id, a.sequence, a.updatedAt])).toEqual(before.map((a) => [a.id, a.sequence, a.updatedAt]));
      expect(before[0]!.waitedSeconds).toBe(20 * 60);
      expect(after[0]!.waitedSeconds).toBe(30 * 60);
      // Resolved: the wait is the one at resolution, and no longer grows.
      const resolved = store.record(candidates.slice(1), T0 + 40 * MIN);
      expect(resolved.map((r) => [r.change, r.alert.journeyId, r.alert.waitedSeconds])).toEqual([['resolved', 'j0', 40 * 60]]);
      expect(store.list({ journeyId: 'j0' }, { limit: 5 }, T0 + 90 * MIN)[0]!.waitedSeconds).toBe(40 * 60);
    } finally {
      store.close();
    }
  });

  it('counts a business-clock wait in the receiver\'s open hours when read', () => {
    const calendars = createCalendarSet({ default: { timeZone: 'UTC', hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']] } } });
    const store = openAlertStore(join(dir, 'business.db'), { calendars });
    try {
      store.record([overdue('b1', 20, 'warning', 'business')], T0 + 20 * MIN);
      // Tuesday 10:00: Monday's eight hours and one of Tuesday's, not the night.
      const [a] = store.list({}, { limit: 5 }, T0 + 25 * 60 * MIN);
      expect(a!.waitedSeconds).toBe(9 * 3600);
    } finally {
      store.close();
    }
  });

  it('two processes that reconciled the same evaluation open, escalate and resolve each alert once', () => {
    const path = join(dir, 'shared.db');
    const a = openAlertStore(path);
    const b = openAlertStore(path);
    try {
      const c = [overdue('s1', 20), overdue('s2', 20)];
      // Both reconcile against the same (empty) open set before either takes the lock.
      const planA = reconcileAlerts(a.openKeys(), c);
      const planB = reconcileAlerts(b.openKeys(), c);
      expect(a.apply(planA, T0 + 20 * MIN).map((x) => x.change)).toEqual(['opened', 'opened']);
      expect(b.apply(planB, T0 + 20 * MIN)).toEqual([]);
      expect(a.open(T0 + 20 * MIN)).toHaveLength(2);

      const critical = c.map((x) => ({ ...x, severity: 'critical' as const }));
      const escA = reconcileAlerts(a.openKeys(), critical);
      const escB = reconcileAlerts(b.openKeys(), critical);
      expect(a.apply(escA, T0 + 40 * MIN).map((x) => x.change)).toEqual(['escalated', 'escalated']);
      expect(b.apply(escB, T0 + 40 * MIN)).toEqual([]);

      const resA = reconcileAlerts(a.openKeys(), []);
      const resB = reconcileAlerts(b.openKeys(), []);
      expect(b.apply(resB, T0 + 50 * MIN).map((x) => x.change)).toEqual(['resolved', 'resolved']);
      expect(a.apply(resA, T0 + 50 * MIN)).toEqual([]);
      // Sequences stay unique and increasing across both writers.
      const all = a.list({}, { limit: 50 });
      expect(all.map((x) => x.sequence)).toEqual([...new Set(all.map((x) => x.sequence))].sort((x, y) => y - x));
      expect(all.every((x) => x.state === 'resolved' && x.severity === 'critical')).toBe(true);
    } finally {
      a.close();
      b.close();
    }
  });
});
