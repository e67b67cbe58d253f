import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { JourneyEvent } from '@journeys/contracts';
import { resolveFilter } from '../src/aggregates.ts';
import { alertInputsFromFacts, type AlertInputs } from '../src/alerts/inputs.ts';
import { businessHandoffAnalytics } from '../src/business-aggregates.ts';
import { createCalendarSet, type CalendarSet } from '../src/calendar/calendar-set.ts';
import { buildEstimateStats, estimateCompletion, weightedQuantile, type EstimateStats, type WeightedSamples } from '../src/estimate/estimate.ts';
import { foldJourney, type JourneyFacts } from '../src/journey-fold.ts';
import { insertEvent, projectEvent, type ProjectedEvent } from '../src/projected-event.ts';
import { NoCalendarsError, openReadStore, type PositionedEvent, type ReadStore } from '../src/read-store/read-store.ts';
import { STRETCH, reference, stretched } from './read-store-support.ts';
import { BASE, DEPTS, arbArrival, arbEvent, arrive } from './arbitraries.ts';
import { uuid } from './support.ts';

/**
 * The read store with business calendars: the business handoff delays, the live alerts'
 * inputs and the estimates' statistics it keeps as rows and cells equal the pure folds over
 * the whole history (the branch's in-heap reference), whatever the batches, each applied
 * twice. The estimates' histograms are within their bucket accuracy (1%).
 */
const dir = mkdtempSync(join(tmpdir(), 'journeys-read-store-business-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const CALENDARS = createCalendarSet({
  default: {
    timeZone: 'Europe/Paris',
    hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '12:00'], ['13:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '16:00']] },
    holidays: ['2026-01-01'],
  },
  departments: {
    legal: { timeZone: 'America/New_York', hours: { mon: [['08:00', '18:00']], tue: [['08:00', '18:00']], thu: [['08:00', '18:00']] } },
    'V5 3rd': { timeZone: 'Asia/Tokyo' },
  },
});

const NOW = BASE + 41 * 3_600_000 * STRETCH;
const ADAPTERS: [string, (calendars?: CalendarSet) => ReadStore][] = [
  ['SQLite file (WAL)', (calendars) => openReadStore({ path: join(dir, `r${++files}.db`), clock: () => NOW, ...(calendars ? { calendars } : {}) })],
  ['SQLite in memory', (calendars) => openReadStore({ path: ':memory:', clock: () => NOW, ...(calendars ? { calendars } : {}) })],
];



const round = (x: unknown): unknown =>
  JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e3) / 1e3 : v)));
const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

function alertSnapshot(inputs: AlertInputs) {
  return {
    clock: inputs.clock,
    pairs: [...inputs.pairDelays()].sort(byJson),
    waiting: [...inputs.waitingHandoffs()].sort(byJson),
    open: [...inputs.openJourneys()].sort(byJson),
  };
}

/** Every (type, stage) the reference knows: the read store's samples carry the same counts and quantiles within 1%. */
function expectSameEstimateStats(actual: EstimateStats, expected: EstimateStats, facts: JourneyFacts[]): void {
  expect(actual.clock).toBe(expected.clock);
  // Within the bucket accuracy of the quantile just below and just above q: where the
  // weights tie exactly at q, float sums in the reference may fall on either side.
  const within = (a: WeightedSamples, e: WeightedSamples, q: number) => {
    const lo = weightedQuantile(e, Math.max(0, q - 1e-6));
    const hi = weightedQuantile(e, Math.min(1, q + 1e-6));
    const v = weightedQuantile(a, q);
    expect(v).toBeGreaterThanOrEqual(lo * 0.989 - 2);
    expect(v).toBeLessThanOrEqual(hi * 1.011 + 2);
  };
  for (const f of facts) {
    for (const stage of [...DEPTS, ...f.departments]) {
      const e = expected.stageRemaining(f.journeyType, stage);
      const a = actual.stageRemaining(f.journeyType, stage);
      expect(a === undefined, `stage ${stage}`).toBe(e === undefined);
      if (a && e) {
        expect([...(a.counts ?? [])].reduce((s, x) => s + x, 0)).toBe(e.values.length);
        for (const q of [0.1, 0.5, 0.9]) within(a, e, q);
      }
      expect(actual.stagesAhead(f.journeyType, stage)).toEqual(expected.stagesAhead(f.journeyType, stage));
    }
    const e = expected.leadTimes(f.journeyType);
    const a = actual.leadTimes(f.journeyType);
    expect(a === undefined).toBe(e === undefined);
    if (a && e) for (const q of [0.1, 0.5, 0.9]) within(a, e, q);
  }
}

describe.each(ADAPTERS)('read store with calendars: %s', (_name, open) => {
  it('keeps business handoffs, alert inputs and estimate statistics equal to the pure folds, whatever the batches, each applied twice', () => {
    fc.assert(
      fc.property(
        fc.array(arbEvent, { minLength: 1, maxLength: 40 }).chain((raw) => fc.tuple(fc.constant(raw), arbArrival(raw.length))),
        ([raw, arrival]) => {
          const stored = raw.map((r, i) => ({ event: stretched(r, i), position: i + 1 }));
          const rs = open(CALENDARS);
          try {
            for (const batch of arrive(stored, arrival)) {
              rs.apply(batch);
              expect(rs.apply(batch)).toEqual([]);
            }
            const facts = reference(stored, CALENDARS).facts;
            expect(round(rs.handoffs({ clock: 'business' }))).toEqual(round(businessHandoffAnalytics(facts, resolveFilter(undefined))));
            expect(round(alertSnapshot(rs.alertInputs()))).toEqual(round(alertSnapshot(alertInputsFromFacts(() => facts, CALENDARS))));
            expectSameEstimateStats(rs.estimateStats(), buildEstimateStats(facts, CALENDARS), facts);
            for (const f of facts) {
              const t = rs.timeline(f.journeyId)!;
              expect(t.totals.business?.leadTimeSeconds).toBeCloseTo(f.business!.leadMs / 1000, 3);
              expect(t.handoffs.map((h) => h.businessDelaySeconds)).toEqual(f.business!.handoffDelayMs.map((ms) => (ms === null ? null : ms / 1000)));
            }
          } finally {
            rs.close();
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses the business clock without calendars, and has no business figures then', () => {
    const rs = open();
    try {
      rs.apply([{ event: stretched({ journey: 'j1', kind: 'JourneyStarted', dept: 'intake', to: 'legal', activity: 'a', minute: 1, offset: 'Z' }, 0), position: 1 }]);
      expect(() => rs.handoffs({ clock: 'business' })).toThrow(NoCalendarsError);
      expect(rs.timeline('j1')!.totals.business).toBeUndefined();
      expect(rs.alertInputs().clock).toBe('elapsed');
      expect(rs.estimateStats().clock).toBe('elapsed');
    } finally {
      rs.close();
    }
  });
});

/**
 * Journeys of one type through intake → assessment → legal, completed; then open ones
 * that started lately and wait at assessment: the estimates end to end.
 */
const H = 3_600_000;
const OPEN_BASE = BASE + 50 * 5 * H;
function history(count: number, openFrom: number): PositionedEvent[] {
  const out: PositionedEvent[] = [];
  let p = 0;
  for (let j = 0; j < count; j++) {
    const id = `e${j}`;
    const open = j >= openFrom;
    const t0 = open ? OPEN_BASE + (j - openFrom) * 600_000 : BASE + j * 5 * H;
    const slow = j % 4 === 0 ? 3 : 1;
    const base = (dept: string, t: number, i: number) => ({ id: uuid(50_000 + j * 10 + i), journeyId: id, department: dept, occurredAt: new Date(t).toISOString(), schemaVersion: 1 });
    const evs: JourneyEvent[] = [
      { ...base('intake', t0, 0), type: 'JourneyStarted', data: { journeyType: 'loan', channel: 'web', customerRef: 'c', promisedBy: new Date(t0 + 40 * H).toISOString() } },
      { ...base('intake', t0 + H, 1), type: 'HandoffRequested', data: { toDepartment: 'assessment' } },
    ];
    if (!open) {
      evs.push(
        { ...base('assessment', t0 + (1 + 2 * slow) * H, 2), type: 'WorkStarted', data: { activity: 'assess' } },
        { ...base('assessment', t0 + (2 + 2 * slow) * H, 3), type: 'HandoffRequested', data: { toDepartment: 'legal' } },
        { ...base('legal', t0 + (4 + 3 * slow) * H, 4), type: 'WorkStarted', data: { activity: 'sign' } },
        { ...base('legal', t0 + (5 + 3 * slow) * H, 5), type: 'JourneyCompleted', data: { outcome: 'resolved' } },
      );
    }
    for (const e of evs) out.push({ event: e, position: ++p });
  }
  return out;
}

describe('estimates from the read store', () => {
  const stored = history(60, 50);
  const now = OPEN_BASE + 3 * H;
  for (const calendars of [undefined, CALENDARS]) {
    it(`match the estimate of the pure statistics for every open journey (${calendars ? 'business' : 'elapsed'} clock), in the timeline and the customer status`, () => {
      const rs = openReadStore({ path: ':memory:', clock: () => now, ...(calendars ? { calendars } : {}) });
      try {
        for (let i = 0; i < stored.length; i += 37) rs.apply(stored.slice(i, i + 37));
        const facts = stored.length ? [...new Set(stored.map((s) => s.event.journeyId))].map((id) => rs.timeline(id)!) : [];
        const refFacts = (() => {
          const byJourney = new Map<string, ProjectedEvent[]>();
          for (const s of stored) {
            let l = byJourney.get(s.event.journeyId);
            if (!l) byJourney.set(s.event.journeyId, (l = []));
            insertEvent(l, projectEvent(s.event, s.position));
          }
          return [...byJourney].map(([id, ev]) => foldJourney(id, ev, calendars ? { calendars } : {}));
        })();
        const refStats = buildEstimateStats(refFacts, calendars);
        let estimated = 0;
        for (const f of refFacts.filter((x) => x.completedAt === null)) {
          const expected = estimateCompletion(f, refStats, now, calendars)!;
          expect(expected).not.toBeNull();
          const t = facts.find((x) => x.journeyId === f.journeyId)!;
          expect(t.estimate?.stage).toBe(expected.stage);
          expect(t.estimate?.basis).toBe(expected.basis);
          expect(t.estimate?.samples).toBe(expected.samples);
          expect(t.estimate?.stagesAhead).toEqual(['legal']);
          const left = expected.expectedBy - now;
          expect(Math.abs(Date.parse(t.estimate!.expectedBy) - expected.expectedBy)).toBeLessThanOrEqual(Math.max(1000, left * 0.011) + (calendars ? 3_600_000 : 0));
          const status = rs.customerStatus(f.journeyId)!;
          expect(status.expectedBy).toBeDefined();
          expect(Date.parse(status.expectedRange!.from)).toBeLessThanOrEqual(Date.parse(status.expectedBy!));
          expect(Date.parse(status.expectedRange!.to)).toBeGreaterThanOrEqual(Date.parse(status.expectedBy!));
          // stage names as the customer knows them, never the internal ones' statistics
          expect(status.stagesAhead).toEqual(['in progress at legal']);
          expect(JSON.stringify(status)).not.toMatch(/samples|basis/);
          estimated++;
        }
        expect(estimated).toBe(10);
        // a completed journey has no estimate
        expect(rs.customerStatus('e0')!.expectedBy).toBeUndefined();
      } finally {
        rs.close();
      }
    });
  }

  it('marks a store built with other calendars as stale (a rebuild is due), and takes them on an empty one', () => {
    const path = join(dir, 'cal-switch.db');
    const first = openReadStore({ path, clock: () => now });
    first.apply(stored.slice(0, 10));
    first.close();
    const other = openReadStore({ path, clock: () => now, calendars: CALENDARS });
    expect(other.stale?.reason).toMatch(/no calendars.*calendars [0-9a-f]{8}/);
    other.close();
    const emptyPath = join(dir, 'cal-empty.db');
    openReadStore({ path: emptyPath }).close();
    const fresh = openReadStore({ path: emptyPath, calendars: CALENDARS });
    expect(fresh.stale).toBeNull();
    fresh.close();
  });
});

describe('alert inputs of a large backlog', () => {
  it('page through thousands of open journeys and waiting handoffs, ties in start time included, while the connection serves reads between rows', () => {
    // More than two pages of each; starts repeat every seven journeys (the keyset's tie-break).
    const stored: PositionedEvent[] = [];
    let p = 0;
    for (let j = 0; j < 2_600; j++) {
      const t0 = OPEN_BASE + (j % 7) * 1000;
      const base = (dept: string, t: number, i: number) => ({ id: uuid(900_000 + j * 10 + i), journeyId: `b${j}`, department: dept, occurredAt: new Date(t).toISOString(), schemaVersion: 1 });
      const evs: JourneyEvent[] = [
        { ...base('intake', t0, 0), type: 'JourneyStarted', data: { journeyType: 'loan', channel: 'web', customerRef: 'c' } },
        { ...base('intake', t0 + H, 1), type: 'HandoffRequested', data: { toDepartment: j % 2 ? 'assessment' : 'legal' } },
      ];
      for (const e of evs) stored.push({ event: e, position: ++p });
    }
    const rs = openReadStore({ path: ':memory:', clock: () => OPEN_BASE + 5 * H });
    try {
      rs.apply(stored);
      const facts = reference(stored).facts;
      const expected = alertSnapshot(alertInputsFromFacts(() => facts));
      // A request's read and a live batch in the middle of the pass: the evaluation yields to
      // requests between slices, and a statement still being iterated would make the
      // connection refuse the batch's writes. The batch is a journey started and completed
      // at once, so the open work stays the same.
      let extra = 0;
      const interleaved = <T>(rows: Iterable<T>): T[] => {
        const out: T[] = [];
        for (const r of rows) {
          out.push(r);
          if (out.length % 700 !== 0) continue;
          expect(rs.timeline('b1')?.journeyId).toBe('b1');
          const id = `done${extra++}`;
          const at = new Date(OPEN_BASE).toISOString();
          const base = (i: number) => ({ id: uuid(990_000 + extra * 10 + i), journeyId: id, department: 'intake', occurredAt: at, schemaVersion: 1 });
          rs.apply([
            { event: { ...base(0), type: 'JourneyStarted', data: { journeyType: 'loan', channel: 'web', customerRef: 'c' } }, position: ++p },
            { event: { ...base(1), type: 'JourneyCompleted', data: { outcome: 'resolved' } }, position: ++p },
          ]);
        }
        return out;
      };
      const inputs = rs.alertInputs();
      const open = interleaved(inputs.openJourneys()).sort(byJson);
      const waiting = interleaved(inputs.waitingHandoffs()).sort(byJson);
      expect(open).toHaveLength(2_600);
      expect(new Set(open.map((o) => o.journeyId)).size).toBe(2_600);
      expect(open).toEqual(expected.open);
      expect(waiting).toHaveLength(2_600);
      expect(waiting).toEqual(expected.waiting);
    } finally {
      rs.close();
    }
  });
});
