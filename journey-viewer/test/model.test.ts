import { describe, expect, it } from 'vitest';
import type { JourneyTimeline } from '@journeys/contracts';
import { formatDuration } from '../src/format.ts';
import { rankHotspots, swimlaneModel, tokensAt } from '../src/model.ts';

const H = 3_600_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
const at = (h: number) => new Date(T0 + h * H).toISOString();
const zero = { leadTimeSeconds: 0, workSeconds: 0, waitSeconds: 0, customerWaitSeconds: 0, flowEfficiency: null };

/** Intake (work 0–1h) → Assessment (queued 1h, work 3–4h) → Intake again (queued 4h, work 6–7h): a rework loop. */
function reworkJourney(id = 'J-1'): JourneyTimeline {
  return {
    journeyId: id,
    journeyType: 'claim',
    channel: 'web',
    state: 'completed',
    outcome: 'resolved',
    startedAt: at(0),
    lastEventAt: at(8),
    completedAt: at(8),
    currentDepartment: null,
    departments: ['Intake', 'Assessment'],
    steps: [
      {
        department: 'Intake',
        activity: 'Register',
        queuedAt: at(0),
        startedAt: at(0),
        completedAt: at(1),
        waitSeconds: 0,
        workSeconds: 3600,
      },
      {
        department: 'Assessment',
        activity: 'Assess',
        queuedAt: at(1),
        startedAt: at(3),
        completedAt: at(4),
        waitSeconds: 7200,
        workSeconds: 3600,
      },
      {
        department: 'Intake',
        activity: 'Fix',
        queuedAt: at(4),
        startedAt: at(6),
        completedAt: at(7),
        waitSeconds: 7200,
        workSeconds: 3600,
      },
    ],
    handoffs: [
      { from: 'Intake', to: 'Assessment', requestedAt: at(1), startedAt: at(3), delaySeconds: 7200, explicit: true },
      { from: 'Assessment', to: 'Intake', requestedAt: at(4), startedAt: at(6), delaySeconds: 7200, explicit: true },
    ],
    totals: { ...zero, leadTimeSeconds: 8 * 3600 },
    pingPongCount: 1,
    sla: { state: 'none', promisedBy: null, remainingSeconds: null },
    eventCount: 3,
    events: [
      { id: 'e1', type: 'JourneyStarted', department: 'Intake', occurredAt: at(0) },
      { id: 'e2', type: 'CustomerWaitStarted', department: 'Intake', occurredAt: at(7) },
      { id: 'e3', type: 'CustomerWaitEnded', department: 'Intake', occurredAt: at(7.5) },
    ],
  };
}

describe('tokensAt', () => {
  it('puts a waiting case on its handoff edge, a worked case at its department, a customer wait apart', () => {
    const j = [reworkJourney()];
    expect(tokensAt(j, T0 + 0.5 * H)).toEqual([{ journeyId: 'J-1', kind: 'work', department: 'Intake' }]);
    expect(tokensAt(j, T0 + 2 * H)).toEqual([{ journeyId: 'J-1', kind: 'edge', from: 'Intake', to: 'Assessment', progress: 0.5 }]);
    expect(tokensAt(j, T0 + 5 * H)).toEqual([{ journeyId: 'J-1', kind: 'edge', from: 'Assessment', to: 'Intake', progress: 0.5 }]);
    expect(tokensAt(j, T0 + 7.2 * H)).toEqual([{ journeyId: 'J-1', kind: 'customer', department: null }]);
  });
  it('has no token before the start or after completion', () => {
    expect(tokensAt([reworkJourney()], T0 - H)).toEqual([]);
    expect(tokensAt([reworkJourney()], T0 + 9 * H)).toEqual([]);
  });
});

describe('ping-pong and hotspots', () => {
  it('ranks pairs by count × median delay, or by ping-pong', () => {
    const stats = { mean: 0, min: 0, max: 0, p90: 0, p99: 0, sum: 0 };
    const pairs = [
      { from: 'A', to: 'B', count: 10, p50: 60, ...stats },
      { from: 'B', to: 'C', count: 2, p50: 600, ...stats },
      { from: 'C', to: 'A', count: 1, p50: 10, ...stats, pingPong: 5 },
    ];
    expect(rankHotspots(pairs, 'delay').map((h) => `${h.from}${h.to}`)).toEqual(['BC', 'AB', 'CA']);
    expect(rankHotspots(pairs, 'pingPong')[0]).toMatchObject({ from: 'C', to: 'A', pingPong: 5, delayCaused: 10 });
  });
});

describe('swimlaneModel', () => {
  it('draws work and queue in department lanes and customer waits in the customer lane', () => {
    const m = swimlaneModel([reworkJourney()]);
    expect(m.lanes).toEqual(['Customer', 'Intake', 'Assessment']);
    const kinds = m.rows[0]!.segments.map((s) => `${m.lanes[s.lane]}:${s.kind}:${(s.end - s.start) / H}`);
    expect(kinds).toEqual([
      'Intake:work:1',
      'Assessment:wait:2',
      'Assessment:work:1',
      'Intake:wait:2',
      'Intake:work:1',
      'Customer:customer:0.5',
    ]);
  });
});

describe('formatDuration', () => {
  it('reads in the two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(90)).toBe('1m 30s');
    expect(formatDuration(2 * 86400)).toBe('2d');
    expect(formatDuration(3 * 3600 + 12 * 60 + 5)).toBe('3h 12m');
    expect(formatDuration(null)).toBe('–');
  });
});
