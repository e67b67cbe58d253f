import { describe, expect, it } from 'vitest';
import { AlertRulesSchema, type Alert } from '@journeys/contracts';
import { createCalendarSet, digestAlerts, evaluateAlerts, reconcileAlerts, type AlertInputs } from '../src/index.ts';

const H = 3_600_000;
const now = Date.parse('2026-04-27T12:00:00Z'); // a Monday (King's Day in the Netherlands)

function inputs(waiting: number, opts: { count?: number; clock?: 'elapsed' | 'business' } = {}): AlertInputs {
  return {
    clock: opts.clock ?? 'elapsed',
    pairDelays: () => [{ from: 'Intake', to: 'Legal', count: opts.count ?? 50, p90Seconds: 2 * 3600 }],
    waitingHandoffs: () => Array.from({ length: waiting }, (_, i) => ({ journeyId: `j${i}`, journeyType: 'claim', from: 'Intake', to: 'Legal', requestedAt: now - (3 + i) * H })),
    openJourneys: () => [],
  };
}
const rules = (o: object = {}) => AlertRulesSchema.parse({ customerSilenceSeconds: 0, ...o });

describe('alert evaluator', () => {
  it('raises a waiting handoff past its pair\'s p90, critical past twice, and not before the pair has enough samples', () => {
    const c = evaluateAlerts(inputs(3), rules(), now);
    expect(c.map((x) => [x.journeyId, x.severity])).toEqual([['j0', 'warning'], ['j1', 'warning'], ['j2', 'critical']]);
    expect(evaluateAlerts(inputs(3, { count: 19 }), rules(), now)).toEqual([]);
  });

  it('per-pair overrides: a fixed limit needs no samples; disabled pairs never alert', () => {
    expect(evaluateAlerts(inputs(1, { count: 0 }), rules({ pairs: [{ from: 'Intake', to: 'Legal', thresholdSeconds: 3600 }] }), now)).toHaveLength(1);
    expect(evaluateAlerts(inputs(3), rules({ pairs: [{ from: 'Intake', to: 'Legal', disabled: true }] }), now)).toEqual([]);
  });

  it('on the business clock the wait counts the receiver\'s open hours only (a holiday does not count)', () => {
    const calendars = createCalendarSet({ default: { timeZone: 'Europe/Amsterdam', hours: { mon: [['09:00', '17:00']] }, publicHolidays: { country: 'NL' } } });
    expect(evaluateAlerts(inputs(3, { clock: 'business' }), rules(), now, calendars)).toEqual([]);
  });

  it('reconciles: one open alert per key, escalation once, resolution when the condition clears', () => {
    const first = reconcileAlerts([], evaluateAlerts(inputs(3), rules(), now));
    expect(first.opened).toHaveLength(3);
    const open = first.opened.map((c, i) => ({ id: `a${i}`, key: c.key, severity: 'warning' as const }));
    const later = reconcileAlerts(open, evaluateAlerts(inputs(2), rules(), now + 2 * H));
    expect(later.opened).toEqual([]);
    expect(later.escalated.map((e) => e.id)).toEqual(['a0', 'a1']);
    expect(later.resolved.map((r) => r.id)).toEqual(['a2']);
  });

  it('groups a backlog into one digest per department and kind with complete counts and a bounded list', () => {
    const changed = Array.from({ length: 500 }, (_, i) => ({ alert: { department: 'Legal', kind: 'handoff-overdue', id: `a${i}` } as Alert, change: 'opened' as const }));
    const digests = digestAlerts(changed, () => 500, 20, new Date(now).toISOString());
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ department: 'Legal', opened: 500, open: 500, truncated: true });
    expect(digests[0]!.alerts).toHaveLength(20);
  });
});
