import type { DurationStats } from '@journeys/contracts';

/**
 * Exact duration statistics. Percentiles use linear interpolation between closest ranks,
 * numpy's default (`(n − 1)·q`), which is what the reference oracle and pandas compute.
 * Exact costs one sort per query; the read models keep the raw durations, so that is cheap
 * next to the memory a sketch would save.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  if (lo === hi) return a;
  return a + (sorted[hi]! - a) * (pos - lo);
}

export const EMPTY_STATS: DurationStats = Object.freeze({ count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0, sum: 0 });

/** Sorts `values` in place (a Float64Array sorts numerically) and describes them. */
export function durationStats(values: Float64Array | number[]): DurationStats {
  const n = values.length;
  if (n === 0) return { ...EMPTY_STATS };
  const sorted = values instanceof Float64Array ? values.sort() : Float64Array.from(values).sort();
  // Kahan summation: sums of millions of large durations must stay exact to the second.
  let sum = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const y = sorted[i]! - c;
    const t = sum + y;
    c = t - sum - y;
    sum = t;
  }
  return {
    count: n,
    mean: sum / n,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    sum,
  };
}

/** A growable list of durations (seconds) that ends as a Float64Array for durationStats. */
export class DurationList {
  private buf = new Float64Array(8);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  stats(): DurationStats {
    return durationStats(this.buf.subarray(0, this.length));
  }
}
