import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JourneyEvent } from '@journeys/contracts';
import { createReadModel, type PositionedEvent } from '../src/read-model.ts';
import { uuid } from './support.ts';

/**
 * Given the events a store holds (each with its position), when they reach the
 * projection in any order, in any batches, with duplicates, then every read model
 * comes out the same: the timeline and aggregates are a function of the stored set.
 */
const DEPTS = ['intake', 'assessment', 'legal', 'V5 3rd'];
const BASE = Date.parse('2026-01-01T00:00:00Z');
const NOW = BASE + 40 * 3_600_000;

const arbEvent = fc.record({
  journey: fc.constantFrom('j1', 'j2', 'j3'),
  kind: fc.constantFrom('JourneyStarted', 'HandoffRequested', 'WorkStarted', 'WorkCompleted', 'CustomerWaitStarted', 'CustomerWaitEnded', 'CustomerNotified', 'JourneyCompleted'),
  dept: fc.constantFrom(...DEPTS),
  to: fc.constantFrom(...DEPTS),
  activity: fc.constantFrom('a', 'b', 'c'),
  // few distinct instants, so that equal occurredAt are common
  minute: fc.integer({ min: 0, max: 40 }),
  offset: fc.constantFrom('Z', '+01:00', '+02:00'),
});

type Raw = typeof arbEvent extends fc.Arbitrary<infer T> ? T : never;

function toEvent(r: Raw, i: number): JourneyEvent {
  const t = new Date(BASE + r.minute * 3_600_000);
  const shift = r.offset === 'Z' ? 0 : r.offset === '+01:00' ? 1 : 2;
  const local = new Date(t.getTime() + shift * 3_600_000).toISOString().slice(0, 19);
  const occurredAt = `${local}${r.offset}`;
  const base = { id: uuid(10_000 + i), journeyId: r.journey, department: r.dept, occurredAt, schemaVersion: 1 };
  switch (r.kind) {
    case 'JourneyStarted':
      return { ...base, type: r.kind, data: { journeyType: 'claim', channel: 'web', customerRef: 'c', promisedBy: new Date(BASE + 30 * 3_600_000).toISOString() } };
    case 'HandoffRequested':
      return { ...base, type: r.kind, data: { toDepartment: r.to } };
    case 'WorkStarted':
    case 'WorkCompleted':
      return { ...base, type: r.kind, data: { activity: r.activity } };
    case 'CustomerWaitStarted':
      return { ...base, type: r.kind, data: { reason: 'docs' } };
    case 'CustomerWaitEnded':
      return { ...base, type: r.kind, data: {} };
    case 'CustomerNotified':
      return { ...base, type: r.kind, data: { channel: 'sms' } };
    default:
      return { ...base, type: 'JourneyCompleted', data: { outcome: 'resolved' } };
  }
}

function everything(batches: PositionedEvent[][]): unknown {
  const m = createReadModel({ clock: () => NOW });
  for (const b of batches) m.apply(b);
  const ids = [...m.journeys.keys()].sort();
  const replayAt = new Date(BASE + 12 * 3_600_000).toISOString();
  return {
    timelines: ids.map((id) => m.timeline(id)),
    statuses: ids.map((id) => m.customerStatus(id)),
    list: m.listJourneys({}, { limit: 10 }),
    handoffs: m.handoffs(),
    map: m.processMap(),
    departments: m.departments(),
    replay: m.replay(replayAt),
    filtered: m.handoffs({ journeyType: 'claim', from: replayAt }),
    count: m.eventCount,
  };
}

/** A random arrival: a permutation of the stored events plus redeliveries, cut into batches. */
const arbArrival = (n: number) =>
  fc.record({
    order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    duplicates: fc.array(fc.nat({ max: Math.max(0, n - 1) }), { maxLength: 5 }),
    cuts: fc.array(fc.nat({ max: n + 5 }), { maxLength: 4 }),
  });

function arrive(stored: PositionedEvent[], a: { order: number[]; duplicates: number[]; cuts: number[] }): PositionedEvent[][] {
  const seq = a.order.map((i) => stored[i]!);
  for (const d of a.duplicates) seq.splice((d * 7) % (seq.length + 1), 0, stored[d]!);
  const cuts = [...new Set(a.cuts)].sort((x, y) => x - y);
  const out: PositionedEvent[][] = [];
  let from = 0;
  for (const c of cuts) {
    out.push(seq.slice(from, c));
    from = Math.max(from, c);
  }
  out.push(seq.slice(from));
  return out;
}

describe('arrival order', () => {
  it('does not change any read model; duplicates count once', () => {
    fc.assert(
      fc.property(
        fc.array(arbEvent, { minLength: 1, maxLength: 30 }).chain((raw) => fc.tuple(fc.constant(raw), arbArrival(raw.length))),
        ([raw, arrival]) => {
          const stored = raw.map((r, i) => ({ event: toEvent(r, i), position: i + 1 }));
          expect(everything(arrive(stored, arrival))).toEqual(everything([stored]));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with distinct instants, the store positions do not matter either', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(arbEvent, { minLength: 1, maxLength: 25, selector: (r) => r.minute })
          .chain((raw) => fc.tuple(fc.constant(raw), fc.shuffledSubarray([...raw.keys()], { minLength: raw.length, maxLength: raw.length }))),
        ([raw, positions]) => {
          const a = raw.map((r, i) => ({ event: toEvent(r, i), position: i + 1 }));
          const b = raw.map((r, i) => ({ event: toEvent(r, i), position: positions[i]! + 1 }));
          const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'version' ? undefined : v)));
          expect(strip(everything([b]))).toEqual(strip(everything([a])));
        },
      ),
      { numRuns: 100 },
    );
  });
});
