import fc from 'fast-check';
import type { JourneyEvent } from '@journeys/contracts';
import type { PositionedEvent } from '../src/read-store/read-store.ts';
import { uuid } from './support.ts';

/** Random journeys' events and random arrivals of them, shared by the property tests. */
export const DEPTS = ['intake', 'assessment', 'legal', 'V5 3rd'];
export const BASE = Date.parse('2026-01-01T00:00:00Z');
export const NOW = BASE + 40 * 3_600_000;

export const arbEvent = fc.record({
  journey: fc.constantFrom('j1', 'j2', 'j3'),
  kind: fc.constantFrom('JourneyStarted', 'HandoffRequested', 'WorkStarted', 'WorkCompleted', 'CustomerWaitStarted', 'CustomerWaitEnded', 'CustomerNotified', 'JourneyCompleted'),
  dept: fc.constantFrom(...DEPTS),
  to: fc.constantFrom(...DEPTS),
  activity: fc.constantFrom('a', 'b', 'c'),
  // few distinct instants, so that equal occurredAt are common
  minute: fc.integer({ min: 0, max: 40 }),
  offset: fc.constantFrom('Z', '+01:00', '+02:00'),
});

export type Raw = typeof arbEvent extends fc.Arbitrary<infer T> ? T : never;

export function toEvent(r: Raw, i: number): JourneyEvent {
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

/** A random arrival: a permutation of the stored events plus redeliveries, cut into batches. */
export const arbArrival = (n: number) =>
  fc.record({
    order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    duplicates: fc.array(fc.nat({ max: Math.max(0, n - 1) }), { maxLength: 5 }),
    cuts: fc.array(fc.nat({ max: n + 5 }), { maxLength: 4 }),
  });

export function arrive(stored: PositionedEvent[], a: { order: number[]; duplicates: number[]; cuts: number[] }): PositionedEvent[][] {
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

