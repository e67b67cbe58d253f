import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openReadStore, type PositionedEvent } from '../src/read-store/read-store.ts';
import { BASE, NOW, arbArrival, arbEvent, arrive, toEvent } from './arbitraries.ts';

/**
 * Given the events a store holds (each with its position), when they reach the
 * projection in any order, in any batches, with duplicates, then every read model
 * comes out the same: the timeline and aggregates are a function of the stored set.
 */
function everything(batches: PositionedEvent[][]): unknown {
  const m = openReadStore({ path: ':memory:', clock: () => NOW });
  for (const b of batches) m.apply(b);
  const ids = m.listJourneys({}, { limit: 1000 }).items.map((j) => j.journeyId).sort();
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
    count: m.eventCount(),
  };
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
