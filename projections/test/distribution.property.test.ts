import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addValue,
  decodeDistribution,
  emptyDistribution,
  encodeDistribution,
  mergeInto,
  removeValue,
  statsOf,
  type Distribution,
} from '../src/read-store/distribution.ts';
import { quantileSorted } from '../src/stats.ts';

/**
 * The cells' distributions against the exact multiset they stand for, under what the read
 * store does to them: values added, values removed again (a late event refolds a journey;
 * a replay swaps a journey's contributions for what they were then), cells merged over a
 * range of days and stored in between. Min and max must stay exact, count and sum too, and
 * the percentiles within the sketch's accuracy.
 */
type Op = { op: 'add'; v: number } | { op: 'remove'; pick: number } | { op: 'removeTop'; k: number; smallest: boolean } | { op: 'merge'; values: number[] } | { op: 'store' };

// Durations in integer ms, spread over six orders of magnitude like handoff delays, and a
// few values that recur exactly (a simulator's fixed queue time, a batch job's schedule).
const value = fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 10_000_000 }), fc.constantFrom(180_000, 3_600_000));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: value.map((v) => ({ op: 'add' as const, v })) },
  { weight: 5, arbitrary: fc.nat().map((pick) => ({ op: 'remove' as const, pick })) },
  { weight: 1, arbitrary: fc.array(value, { maxLength: 700, size: 'max' }).map((values) => ({ op: 'merge' as const, values })) },
  { weight: 1, arbitrary: fc.constant({ op: 'store' as const }) },
  // A burst: a replay swapping out the long-running journeys takes the largest values first.
  { weight: 1, arbitrary: fc.record({ op: fc.constant('removeTop' as const), k: fc.integer({ min: 1, max: 40 }), smallest: fc.boolean() }) },
);

function of(values: readonly number[]): Distribution {
  const d = emptyDistribution();
  for (const v of values) addValue(d, v);
  return d;
}

function sortedIndex(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function expectLike(d: Distribution, values: readonly number[]): void {
  const s = statsOf(d);
  expect(s.count).toBe(values.length);
  if (values.length === 0) return;
  const sorted = Float64Array.from(values);
  expect(s.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0) / 1000, 6);
  // Exact while the kept extremes last; once removals took every one of them, the sketch's
  // bucket answers, within its accuracy like any order statistic.
  for (const [q, got] of [
    [0, s.min],
    [1, s.max],
    [0.5, s.p50],
    [0.9, s.p90],
    [0.99, s.p99],
  ] as const) {
    const exact = quantileSorted(sorted, q) / 1000;
    // Each order statistic within 0.5%, the interpolation between two as well; values under
    // a millisecond (the zero bucket) within a millisecond.
    expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * 0.0101 + 0.001);
  }
  // While a list holds values, the extreme it gives is the true one.
  if (d.lo.length > 0) expect(s.min).toBe(sorted[0]! / 1000);
  if (d.hi.length > 0) expect(s.max).toBe(sorted[sorted.length - 1]! / 1000);
}

describe('cell distributions', () => {
  it('keep count and sum exact, and min, max and percentiles within the sketch accuracy, through adds, removals, merges and storage', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 1500, size: 'max' }), (ops) => {
        let d = emptyDistribution();
        // The multiset, kept sorted so that picking among the largest costs nothing.
        const values: number[] = [];
        const insert = (v: number): void => {
          values.splice(sortedIndex(values, v), 0, v);
        };
        const take = (i: number): void => {
          removeValue(d, values[i]!);
          values.splice(i, 1);
        };
        for (const o of ops) {
          if (o.op === 'add') {
            addValue(d, o.v);
            insert(o.v);
          } else if (o.op === 'remove') {
            // Large values are removed more often: the long-running journeys are the ones refolded.
            if (values.length > 0) take(values.length - 1 - (o.pick % Math.min(values.length, 40)));
          } else if (o.op === 'removeTop') {
            for (let k = 0; k < o.k && values.length > 0; k++) take(o.smallest ? 0 : values.length - 1);
          } else if (o.op === 'merge') {
            mergeInto(d, of(o.values));
            for (const v of o.values) insert(v);
          } else d = decodeDistribution(encodeDistribution(d));
        }
        expectLike(d, values);
      }),
      // No shrinking: a failing case of thousands of operations would shrink for minutes.
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('keep the max of a cell of equal values exact while its journeys are refolded again and again', () => {
    // 2 000 queue times of 180 s (a sketch), each journey refolded: its value out, then in.
    const d = of(Array.from({ length: 2000 }, () => 180_000));
    for (let i = 0; i < 500; i++) {
      removeValue(d, 180_000);
      addValue(d, 180_000);
    }
    const s = statsOf(d);
    expect([s.min, s.max, s.count]).toEqual([180, 180, 2000]);
  });

  it('keep the max exact through refolds that change the largest figures, and learn it again once they are all gone', () => {
    const d = of(Array.from({ length: 1000 }, (_, i) => 1_000_000 + i * 1000));
    // A late event refolds each of the 40 longest journeys: its figure comes back 1% shorter.
    for (let i = 0; i < 40; i++) {
      const v = 1_999_000 - i * 1000;
      removeValue(d, v);
      addValue(d, Math.round(v * 0.99));
    }
    expect(statsOf(d).max).toBe(Math.round(1_999_000 * 0.99) / 1000);
    // Every value beyond the threshold removed: the sketch answers, bounded by the threshold
    const top = [...d.hi];
    for (const v of top) removeValue(d, v);
    expect(d.hi).toEqual([]);
    expect(statsOf(d).max).toBeLessThanOrEqual(d.hiT / 1000);
    // and the next value past it is the maximum again, exactly.
    addValue(d, top[0]!);
    expect(statsOf(d).max).toBe(top[0]! / 1000);
  });
  it('read cells stored by fold version 3 (no thresholds), as a store of that version serves beside its rebuild', () => {
    // n, sum, z, |lo|, |hi|, mode 0 (raw), |raw|, lo, hi, raw
    const old = Buffer.from(Float64Array.from([3, 6000, 0, 3, 3, 0, 3, 1000, 2000, 3000, 1000, 2000, 3000, 3000, 1000, 2000]).buffer);
    const d = decodeDistribution(old);
    expect(statsOf(d)).toMatchObject({ count: 3, min: 1, max: 3, p50: 2 });
    addValue(d, 4000);
    expect(statsOf(decodeDistribution(encodeDistribution(d)))).toMatchObject({ count: 4, min: 1, max: 4 });
  });
});
