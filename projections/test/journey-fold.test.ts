import { describe, expect, it } from 'vitest';
import { UNASSIGNED_DEPARTMENT } from '@journeys/contracts';
import { openReadStore } from '../src/read-store/read-store.ts';
import { durationStats, quantileSorted } from '../src/stats.ts';
import { ev, positioned } from './support.ts';

const NOW = Date.parse('2026-03-10T00:00:00Z');
const model = (events: Parameters<typeof positioned>[0]) => {
  const m = openReadStore({ path: ':memory:', clock: () => NOW });
  m.apply(positioned(events));
  return m;
};

/** A native claim: intake → assessment → intake (ping-pong) with a customer wait. */
const claim = [
  ev('JourneyStarted', 'c1', 'intake', '2026-03-01T09:00:00Z', { journeyType: 'claim', channel: 'web', customerRef: 'cust-7', promisedBy: '2026-03-05T09:00:00Z' }),
  ev('WorkStarted', 'c1', 'intake', '2026-03-01T09:10:00Z', { activity: 'register' }, { actor: 'ann' }),
  ev('WorkCompleted', 'c1', 'intake', '2026-03-01T09:30:00Z', { activity: 'register' }),
  ev('HandoffRequested', 'c1', 'intake', '2026-03-01T09:30:00Z', { toDepartment: 'assessment', reason: 'needs review' }),
  ev('WorkStarted', 'c1', 'assessment', '2026-03-01T11:30:00Z', { activity: 'assess' }),
  ev('CustomerWaitStarted', 'c1', 'assessment', '2026-03-01T12:00:00Z', { reason: 'missing invoice' }),
  ev('CustomerWaitEnded', 'c1', 'assessment', '2026-03-02T12:00:00Z', {}),
  ev('WorkCompleted', 'c1', 'assessment', '2026-03-02T13:00:00Z', { activity: 'assess', outcome: 'approved' }),
  ev('HandoffRequested', 'c1', 'assessment', '2026-03-02T13:00:00Z', { toDepartment: 'intake' }),
  ev('WorkStarted', 'c1', 'intake', '2026-03-02T14:00:00Z', { activity: 'pay' }),
  ev('WorkCompleted', 'c1', 'intake', '2026-03-02T14:30:00Z', { activity: 'pay' }),
  ev('JourneyCompleted', 'c1', 'intake', '2026-03-02T15:00:00Z', { outcome: 'resolved' }),
];

describe('a native journey', () => {
  const t = model(claim).timeline('c1')!;

  it('has its steps with queue and work times', () => {
    expect(t.steps.map((s) => [s.department, s.activity, s.waitSeconds, s.workSeconds])).toEqual([
      ['intake', 'register', 600, 1200],
      ['assessment', 'assess', 7200, 25.5 * 3600],
      ['intake', 'pay', 3600, 1800],
    ]);
    expect(t.steps[1]!.queuedAt).toBe('2026-03-01T09:30:00.000Z');
  });

  it('has explicit handoffs delayed until the receiver starts work', () => {
    expect(t.handoffs.map((h) => [h.from, h.to, h.delaySeconds, h.explicit])).toEqual([
      ['intake', 'assessment', 7200, true],
      ['assessment', 'intake', 3600, true],
    ]);
    expect(t.pingPongCount).toBe(1);
  });

  it('splits lead time into work, wait and customer wait', () => {
    const lead = 30 * 3600;
    const customer = 24 * 3600;
    const work = 1200 + 1800 + 3600 + 1800; // register, assess before/after the customer wait, pay
    expect(t.totals).toEqual({
      leadTimeSeconds: lead,
      workSeconds: work,
      waitSeconds: lead - customer - work,
      customerWaitSeconds: customer,
      flowEfficiency: work / (lead - customer),
    });
    expect(t.state).toBe('completed');
    expect(t.sla).toEqual({ state: 'on-track', promisedBy: '2026-03-05T09:00:00.000Z', remainingSeconds: (Date.parse('2026-03-05T09:00:00Z') - Date.parse('2026-03-02T15:00:00Z')) / 1000 });
  });

  it('shows the customer nothing internal', () => {
    const s = model(claim).customerStatus('c1')!;
    expect(s).toMatchObject({ state: 'completed', stage: 'completed', outcome: 'resolved', onTrack: true, promisedBy: '2026-03-05T09:00:00.000Z' });
    // no stage mapping configured: the departments' names, never the activities' text
    expect(s.stepsDone.map((x) => x.label)).toEqual(['intake', 'assessment', 'intake']);
    const text = JSON.stringify(s);
    for (const secret of ['ann', 'cust-7', 'needs review', 'missing invoice', 'approved', 'delay', 'handoff', 'register', 'pay']) expect(text).not.toContain(secret);
  });
});

describe('customer status', () => {
  it('changes version on every change, and only then', () => {
    const m = openReadStore({ path: ':memory:', clock: () => NOW });
    m.apply(positioned(claim.slice(0, 2)));
    const a = m.customerStatus('c1')!;
    expect(m.customerStatus('c1')!.version).toBe(a.version);
    m.apply(positioned(claim.slice(2, 6), 3));
    const b = m.customerStatus('c1')!;
    expect(b.state).toBe('waiting-on-you');
    expect(b.version).toBeGreaterThan(a.version);
    m.apply(positioned(claim.slice(6), 7));
    expect(m.customerStatus('c1')!.version).toBeGreaterThan(b.version);
  });
});

describe('customer status version', () => {
  it('depends on the journey alone, not on how much else the store holds', () => {
    // Given the same journey stored after 1 000 events of other journeys, and on its own
    const busy = openReadStore({ path: ':memory:', clock: () => NOW });
    busy.apply(positioned(claim.slice(0, 3), 1_000));
    const quiet = openReadStore({ path: ':memory:', clock: () => NOW });
    quiet.apply(positioned(claim.slice(0, 3)));
    // Then its version is the same in both, and small: nothing about the company's volume leaks
    expect(busy.customerStatus('c1')!.version).toBe(quiet.customerStatus('c1')!.version);
    expect(busy.customerStatus('c1')!.version).toBeLessThan(1_000);
  });
});

describe('customer status version after a restart', () => {
  it('is the same for the same events at the same instant, including a lateness that time alone caused', () => {
    // Given an open journey promised by 2026-03-05, seen live before and after the promise passes
    let now = Date.parse('2026-03-04T00:00:00Z');
    const live = openReadStore({ path: ':memory:', clock: () => now });
    live.apply(positioned(claim.slice(0, 2)));
    const onTime = live.customerStatus('c1')!;
    now = Date.parse('2026-03-06T00:00:00Z');
    const late = live.customerStatus('c1')!;
    expect(onTime.onTrack).toBe(true);
    expect(late.onTrack).toBe(false);
    expect(late.version).toBeGreaterThan(onTime.version);
    // When another process (a restart) folds the same events at the same instant
    const restarted = openReadStore({ path: ':memory:', clock: () => now });
    restarted.apply(positioned(claim.slice(0, 2)));
    // Then it gives the late status the same version, so a client holding the on-time version is told
    expect(restarted.customerStatus('c1')).toEqual(late);
  });
});

describe('SLA', () => {
  const open = (promisedBy: string) =>
    model([ev('JourneyStarted', 'j', 'intake', '2026-03-01T00:00:00Z', { journeyType: 'x', channel: 'web', customerRef: 'c', promisedBy })]).timeline('j')!.sla.state;
  it('is on track, at risk in the last quarter of the window, breached after the promise', () => {
    expect(open('2026-03-20T00:00:00Z')).toBe('on-track'); // 10 of 19 days left
    expect(open('2026-03-11T00:00:00Z')).toBe('at-risk'); // 1 of 10 days left
    expect(open('2026-03-09T00:00:00Z')).toBe('breached');
  });
});

describe('an imported trace (no explicit handoffs)', () => {
  it('infers handoffs from changes of department, honours offsets and keeps equal instants in store order', () => {
    const m = model([
      // 10:00+02:00 is 08:00Z; the +01:00 event at 09:30 is 08:30Z: the true order is a, b, c, d
      ev('WorkCompleted', 'i', 'A', '2010-03-31T10:00:00+02:00', { activity: 'a' }),
      ev('WorkCompleted', 'i', 'C', '2010-03-31T09:00:00+00:00', { activity: 'c' }),
      ev('WorkCompleted', 'i', 'B', '2010-03-31T09:00:00Z', { activity: 'd' }),
      ev('WorkCompleted', 'i', 'B', '2010-03-31T09:30:00+01:00', { activity: 'b' }),
    ]);
    const t = m.timeline('i')!;
    expect(t.events.map((e) => e.activity)).toEqual(['a', 'b', 'c', 'd']);
    expect(t.handoffs.map((h) => [h.from, h.to, h.delaySeconds, h.explicit])).toEqual([
      ['A', 'B', 1800, false],
      ['B', 'C', 1800, false],
      ['C', 'B', 0, false],
    ]);
    expect(t.pingPongCount).toBe(1);
    expect(t.totals.leadTimeSeconds).toBe(3600);
    expect(t.state).toBe('completed');
    const dfg = m.processMap().activities.edges.map((e) => [e.from, e.to, e.delay.mean]);
    expect(dfg).toEqual([
      ['a', 'b', 1800],
      ['b', 'c', 1800],
      ['c', 'd', 0],
    ]);
  });

  it('leaves events without a department out of the handoff sequence, as the reference does', () => {
    const m = model([
      ev('WorkCompleted', 'u', 'A', '2010-01-01T10:00:00Z', { activity: 'a' }),
      ev('WorkCompleted', 'u', UNASSIGNED_DEPARTMENT, '2010-01-01T10:10:00Z', { activity: 'x' }),
      ev('WorkCompleted', 'u', 'B', '2010-01-01T10:30:00Z', { activity: 'b' }),
    ]);
    // A → (unassigned) → B is one handoff A → B, timed from A's last event.
    expect(m.timeline('u')!.handoffs.map((h) => [h.from, h.to, h.delaySeconds])).toEqual([['A', 'B', 1800]]);
  });

  it('counts a duplicate id once', () => {
    const e = ev('WorkCompleted', 'd', 'A', '2010-01-01T00:00:00Z', { activity: 'a' });
    const m = openReadStore({ path: ':memory:' });
    m.apply([{ event: e, position: 5 }, { event: e, position: 9 }, { event: e, position: 5 }]);
    m.apply([{ event: e, position: 2 }]);
    expect(m.eventCount()).toBe(1);
    expect(m.timeline('d')!.events.map((x) => x.id)).toEqual([e.id]);
  });
});

describe('duration statistics', () => {
  it('match numpy linear interpolation', () => {
    // numpy.percentile([1, 2, 3, 4, 10], [50, 90, 99]) = [3, 7.6, 9.76]
    const s = durationStats([10, 3, 1, 4, 2]);
    expect(s).toMatchObject({ count: 5, min: 1, max: 10, sum: 20, mean: 4, p50: 3 });
    expect(s.p90).toBeCloseTo(7.6, 9);
    expect(s.p99).toBeCloseTo(9.76, 9);
    expect(quantileSorted([7], 0.9)).toBe(7);
  });
});

describe('workload', () => {
  it('puts journeys in WIP, in queues, and finds the oldest waiting', () => {
    const m = model([
      ev('JourneyStarted', 'w1', 'intake', '2026-03-09T00:00:00Z', { journeyType: 'claim', channel: 'web', customerRef: 'c', promisedBy: '2026-03-10T01:00:00Z' }),
      ev('HandoffRequested', 'w1', 'intake', '2026-03-09T01:00:00Z', { toDepartment: 'legal' }),
      ev('JourneyStarted', 'w2', 'intake', '2026-03-09T02:00:00Z', { journeyType: 'claim', channel: 'web', customerRef: 'c' }),
      ev('HandoffRequested', 'w2', 'intake', '2026-03-09T03:00:00Z', { toDepartment: 'legal' }),
      ev('JourneyStarted', 'w3', 'intake', '2026-03-09T04:00:00Z', { journeyType: 'loan', channel: 'web', customerRef: 'c' }),
      ev('WorkStarted', 'w3', 'intake', '2026-03-09T05:00:00Z', { activity: 'check' }),
    ]);
    const rows = m.departments();
    const legal = rows.find((r) => r.department === 'legal')!;
    expect(legal).toMatchObject({ wip: 0, queueLength: 2, slaAtRisk: 1, oldestWaiting: { journeyId: 'w1', since: '2026-03-09T01:00:00.000Z', waitingSeconds: 23 * 3600 } });
    expect(rows.find((r) => r.department === 'intake')).toMatchObject({ wip: 1, queueLength: 0 });
    expect(m.departments({ journeyType: 'loan' }).find((r) => r.department === 'legal')).toBeUndefined();
    // As it stood at 02:30: only w1 was waiting in legal, w2 was queued at intake.
    const past = m.departments({ now: '2026-03-09T02:30:00Z' });
    expect(past.find((r) => r.department === 'legal')).toMatchObject({ queueLength: 1 });
    expect(past.find((r) => r.department === 'intake')).toMatchObject({ queueLength: 1, wip: 0 });
  });
});
