import { describe, expect, it } from 'vitest';
import { validateEvent, type JourneyEvent } from '@journeys/contracts';
import { generateJourneys, groupByJourney, simulateJourneys } from '../src/index.ts';

const START = '2026-02-02T00:00:00Z';
const twoWeeks = { seed: 7, start: START, end: '2026-02-16T00:00:00Z' };

function handoffDelaysHours(events: readonly JourneyEvent[]): number[] {
  const pending = new Map<string, { to: string; at: number }>();
  const delays: number[] = [];
  for (const e of events) {
    if (e.type === 'HandoffRequested') pending.set(e.journeyId, { to: e.data.toDepartment, at: Date.parse(e.occurredAt) });
    if (e.type === 'WorkStarted') {
      const p = pending.get(e.journeyId);
      if (p && p.to === e.department) {
        delays.push((Date.parse(e.occurredAt) - p.at) / 3_600_000);
        pending.delete(e.journeyId);
      }
    }
  }
  return delays;
}
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('simulateJourneys', () => {
  const events = simulateJourneys(twoWeeks);

  it('gives the same events for the same seed, and different ones for another seed', () => {
    expect(simulateJourneys(twoWeeks)).toEqual(events);
    const other = simulateJourneys({ ...twoWeeks, seed: 8 });
    expect(other.map((e) => e.id)).not.toEqual(events.map((e) => e.id));
  });

  it('is causal: a longer horizon only adds events after the shorter one ends', () => {
    const shorter = simulateJourneys({ ...twoWeeks, end: '2026-02-09T00:00:00Z' });
    expect(shorter.length).toBeGreaterThan(0);
    expect(events.slice(0, shorter.length)).toEqual(shorter);
    expect(events[shorter.length]!.occurredAt > '2026-02-09T00:00:00.000Z').toBe(true);
  });

  it('produces only valid events, with unique ids, sorted by occurredAt', () => {
    expect(events.length).toBeGreaterThan(5_000);
    const invalid = events.map((e) => validateEvent(e)).filter((r) => !r.ok);
    expect(invalid).toEqual([]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (let i = 1; i < events.length; i++) expect(events[i]!.occurredAt >= events[i - 1]!.occurredAt).toBe(true);
    expect(events.every((e) => e.occurredAt >= '2026-02-02T00:00:00.000Z' && e.occurredAt <= '2026-02-16T00:00:00.000Z')).toBe(true);
  });

  it('tells coherent journeys: started first, strictly ordered, every handoff picked up by its receiver', () => {
    const journeys = groupByJourney(events);
    const types = new Set<string>();
    for (const [, list] of journeys) {
      const first = list[0]!;
      expect(first.type).toBe('JourneyStarted');
      if (first.type === 'JourneyStarted') types.add(first.data.journeyType);
      for (let i = 1; i < list.length; i++) expect(list[i]!.occurredAt > list[i - 1]!.occurredAt).toBe(true);
      expect(list.filter((e) => e.type === 'JourneyCompleted').length).toBeLessThanOrEqual(1);
      const completed = list.at(-1)!.type === 'JourneyCompleted';
      list.forEach((e, i) => {
        if (e.type !== 'HandoffRequested') return;
        const next = list.slice(i + 1).find((x) => x.type === 'WorkStarted');
        if (completed) expect(next?.department).toBe(e.data.toDepartment);
      });
    }
    expect([...types].sort()).toEqual(['insurance-claim', 'it-incident', 'loan-application']);
    expect(events.filter((e) => e.type === 'JourneyStarted').every((e) => e.type === 'JourneyStarted' && e.data.promisedBy)).toBe(true);
    const outcomes = new Set(events.flatMap((e) => (e.type === 'JourneyCompleted' ? [e.data.outcome] : [])));
    expect(outcomes).toEqual(new Set(['resolved', 'rejected', 'withdrawn']));
  });

  it('has rework (ping-pong), customer waits and notifications', () => {
    const pingPong = [...groupByJourney(events).values()].filter((list) => {
      const visits = list.filter((e) => e.type === 'WorkStarted').map((e) => e.department);
      const runs = visits.filter((d, i) => i === 0 || visits[i - 1] !== d);
      return new Set(runs).size < runs.length;
    });
    expect(pingPong.length).toBeGreaterThan(10);
    expect(events.some((e) => e.type === 'CustomerWaitStarted')).toBe(true);
    expect(events.some((e) => e.type === 'CustomerWaitEnded')).toBe(true);
    expect(events.some((e) => e.type === 'CustomerNotified')).toBe(true);
  });

  it('makes work wait longer in queues when load is higher, with the same staff', () => {
    const light = handoffDelaysHours(simulateJourneys({ ...twoWeeks, journeysPerDay: 40 }));
    const heavy = handoffDelaysHours(simulateJourneys({ ...twoWeeks, journeysPerDay: 140 }));
    expect(mean(heavy)).toBeGreaterThan(mean(light) * 1.5);
  });

  it('makes work wait longer when departments are short-staffed', () => {
    const full = handoffDelaysHours(events);
    const half = handoffDelaysHours(simulateJourneys({ ...twoWeeks, capacity: 0.6 }));
    expect(mean(half)).toBeGreaterThan(mean(full) * 1.5);
  });

  it('with maxJourneys, runs exactly that many journeys to completion', () => {
    const run = simulateJourneys({ seed: 3, start: START, maxJourneys: 300, types: ['it-incident'] });
    const journeys = groupByJourney(run);
    expect(journeys.size).toBe(300);
    for (const list of journeys.values()) expect(list.at(-1)!.type).toBe('JourneyCompleted');
  });

  it('refuses bad options with a clear message', () => {
    expect(() => simulateJourneys({ seed: 1, start: 'yesterday', end: START })).toThrow(/start is not a valid date/);
    expect(() => simulateJourneys({ seed: 1, start: START, end: '2026-01-01T00:00:00Z' })).toThrow(/end is before start/);
    expect(() => simulateJourneys({ seed: 1, start: START, end: twoWeeks.end, types: ['pizza'] })).toThrow(/unknown journey type pizza/);
    expect(() => simulateJourneys({ seed: 1, start: START })).toThrow(/needs an end or maxJourneys/);
  });

  it('runs for ever lazily without an end', () => {
    const it = generateJourneys({ seed: 1, start: START });
    let n = 0;
    for (const _ of it) if (++n === 1000) break;
    expect(n).toBe(1000);
  });
});
