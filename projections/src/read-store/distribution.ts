import type { DurationStats } from '@journeys/contracts';
import { EMPTY_STATS, quantileSorted } from '../stats.ts';

/**
 * A mergeable, removable distribution of durations in integer milliseconds: the value kept
 * in every aggregate cell of the read store.
 *
 * - count and sum are exact (integer ms, so adding and removing never drifts);
 * - small cells keep their raw values, so percentiles are exact where a sketch would be
 *   furthest off (a handful of handoffs, where numpy's interpolation between two values
 *   is nothing like either);
 * - past RAW_LIMIT values a cell becomes a log-bucket sketch in the manner of DDSketch,
 *   with 0.5% relative accuracy: each order statistic is within 0.5%, and so is the
 *   interpolation between two of them (the real-log tolerance is 1% or one second);
 * - `lo` holds every value below `loT` (and maybe some equal to it), `hi` every value above
 *   `hiT`: min, max and the order statistics near them are exact. Adding or removing a
 *   value beyond a threshold adds it to or takes it from the list, so a journey refolded
 *   with a slightly different figure (a late event) stays in the list; only a list grown
 *   past 2 × EXTREMES moves its threshold inwards. A list empties only when every value
 *   beyond its threshold is gone; then the sketch answers within its accuracy, bounded by
 *   the threshold, until a value beyond it arrives.
 *
 * Removal takes a value that was added before; that is all the read store ever removes.
 */
export const RAW_LIMIT = 512;
const EXTREMES = 16;
const ALPHA = 0.005;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LN_GAMMA = Math.log(GAMMA);

export interface Distribution {
  n: number;
  sum: number;
  /** Raw values while small (unsorted); absent once a sketch. */
  raw?: number[];
  /** Sketch buckets: index → count (values ≤ 0 in `z`). */
  b?: Map<number, number>;
  z?: number;
  /** Sorted: every value < loT, maybe some = loT. */
  lo: number[];
  loT: number;
  /** Sorted: every value > hiT, maybe some = hiT. */
  hi: number[];
  hiT: number;
}

export function emptyDistribution(): Distribution {
  return { n: 0, sum: 0, raw: [], lo: [], hi: [], loT: Number.POSITIVE_INFINITY, hiT: Number.NEGATIVE_INFINITY };
}

const bucketOf = (v: number): number => Math.ceil(Math.log(v) / LN_GAMMA);
/** The value a bucket stands for: the midpoint in relative terms (error ≤ ALPHA either way). */
const valueOf = (i: number): number => (2 * GAMMA ** i) / (GAMMA + 1);

function insertSorted(list: number[], v: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, v);
}

/** A list grown past 2 × EXTREMES keeps EXTREMES; the threshold moves to the first value dropped. */
function trim(d: Distribution): void {
  if (d.lo.length > 2 * EXTREMES) {
    d.loT = d.lo[EXTREMES]!;
    d.lo.length = EXTREMES;
  }
  if (d.hi.length > 2 * EXTREMES) {
    const cut = d.hi.length - EXTREMES;
    d.hiT = d.hi[cut - 1]!;
    d.hi = d.hi.slice(cut);
  }
}

function removeOne(list: number[], v: number): boolean {
  const i = list.indexOf(v);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}

function toSketch(d: Distribution): void {
  if (!d.raw) return;
  const raw = d.raw;
  delete d.raw;
  d.b = new Map();
  d.z = 0;
  for (const v of raw) addToSketch(d, v, 1);
}

function addToSketch(d: Distribution, v: number, k: number): void {
  if (v <= 0) d.z = (d.z ?? 0) + k;
  else {
    const key = bucketOf(v);
    const next = (d.b!.get(key) ?? 0) + k;
    if (next <= 0) d.b!.delete(key);
    else d.b!.set(key, next);
  }
}

export function addValue(d: Distribution, v: number): void {
  d.n++;
  d.sum += v;
  if (d.raw) {
    d.raw.push(v);
    if (d.raw.length > RAW_LIMIT) toSketch(d);
  } else addToSketch(d, v, 1);
  // A tie with a threshold joins too (allowed, and equal values are interchangeable): a
  // cell of equal values refolded again and again keeps its lists.
  if (v <= d.loT) insertSorted(d.lo, v);
  if (v >= d.hiT) insertSorted(d.hi, v);
  trim(d);
}

export function removeValue(d: Distribution, v: number): void {
  if (d.n === 0) return;
  d.n--;
  d.sum -= v;
  if (d.raw) removeOne(d.raw, v);
  else addToSketch(d, v, -1);
  // A value at a threshold may or may not be in its list; equal values are interchangeable.
  if (v <= d.loT) removeOne(d.lo, v);
  if (v >= d.hiT) removeOne(d.hi, v);
  if (d.n === 0) Object.assign(d, emptyDistribution());
  else if (d.raw) refreshExtremesFromRaw(d);
}

function refreshExtremesFromRaw(d: Distribution): void {
  const sorted = [...d.raw!].sort((a, b) => a - b);
  const n = sorted.length;
  d.lo = sorted.slice(0, EXTREMES);
  d.loT = n > EXTREMES ? sorted[EXTREMES]! : Number.POSITIVE_INFINITY;
  d.hi = sorted.slice(-EXTREMES);
  d.hiT = n > EXTREMES ? sorted[n - EXTREMES - 1]! : Number.NEGATIVE_INFINITY;
}

/** Adds `other` into `into`. */
export function mergeInto(into: Distribution, other: Distribution): void {
  if (other.n === 0) return;
  into.n += other.n;
  into.sum += other.sum;
  if (into.raw && other.raw && into.raw.length + other.raw.length <= RAW_LIMIT) {
    for (const v of other.raw) into.raw.push(v);
  } else {
    toSketch(into);
    if (other.raw) for (const v of other.raw) addToSketch(into, v, 1);
    else {
      into.z = (into.z ?? 0) + (other.z ?? 0);
      for (const [k, c] of other.b ?? []) into.b!.set(k, (into.b!.get(k) ?? 0) + c);
    }
  }
  // The union's lists hold every value beyond the nearer of the two thresholds.
  into.loT = Math.min(into.loT, other.loT);
  into.hiT = Math.max(into.hiT, other.hiT);
  const loT = into.loT;
  const hiT = into.hiT;
  into.lo = [...into.lo, ...other.lo].filter((v) => v <= loT).sort((a, b) => a - b);
  into.hi = [...into.hi, ...other.hi].filter((v) => v >= hiT).sort((a, b) => a - b);
  trim(into);
}

/** The k-th smallest value (0-based) as the sketch knows it. */
function orderStatistic(d: Distribution, k: number, keys: number[]): number {
  if (k < d.lo.length) return d.lo[k]!;
  const fromTop = d.n - 1 - k;
  if (fromTop < d.hi.length) return d.hi[d.hi.length - 1 - fromTop]!;
  // Outside the lists every value lies between the thresholds.
  const clamp = (v: number): number => Math.min(Math.max(v, d.loT === Number.POSITIVE_INFINITY ? v : d.loT), d.hiT === Number.NEGATIVE_INFINITY ? v : d.hiT);
  let seen = d.z ?? 0;
  if (k < seen) return clamp(0);
  for (const key of keys) {
    seen += d.b!.get(key)!;
    if (k < seen) return clamp(valueOf(key));
  }
  return clamp(keys.length > 0 ? valueOf(keys[keys.length - 1]!) : 0);
}

/** Seconds, in the shape of the API (the read store keeps milliseconds). */
export function statsOf(d: Distribution): DurationStats {
  if (d.n <= 0) return { ...EMPTY_STATS };
  const s = (ms: number): number => ms / 1000;
  let q: (p: number) => number;
  if (d.raw) {
    const sorted = Float64Array.from(d.raw).sort();
    q = (p) => quantileSorted(sorted, p);
  } else {
    const keys = [...(d.b?.keys() ?? [])].sort((a, b) => a - b);
    q = (p) => {
      const pos = (d.n - 1) * p;
      const lo = Math.floor(pos);
      const hi = Math.ceil(pos);
      const a = orderStatistic(d, lo, keys);
      if (lo === hi) return a;
      return a + (orderStatistic(d, hi, keys) - a) * (pos - lo);
    };
  }
  const min = d.lo[0] ?? q(0);
  const max = d.hi[d.hi.length - 1] ?? q(1);
  return { count: d.n, mean: s(d.sum / d.n), min: s(min), max: s(max), p50: s(q(0.5)), p90: s(q(0.9)), p99: s(q(0.99)), sum: s(d.sum) };
}

/**
 * The stored form: little-endian float64s — n, sum, z, |lo|, |hi|, mode, |raw or buckets|,
 * loT, hiT, then lo, hi, and the raw values or (bucket, count) pairs. Binary because the
 * busiest cells (a pair's all-time total) are rewritten by every batch. Modes 2 (raw) and 3
 * (sketch) carry the thresholds; 0 and 1, written by fold version 3, did not (their lists
 * were the |lo| smallest and |hi| largest values), and are still read while a store of that
 * version serves beside its rebuild.
 */
export function encodeDistribution(d: Distribution): Buffer {
  const items = d.raw ? d.raw.length : (d.b?.size ?? 0) * 2;
  const f = new Float64Array(9 + d.lo.length + d.hi.length + items);
  f[0] = d.n;
  f[1] = d.sum;
  f[2] = d.z ?? 0;
  f[3] = d.lo.length;
  f[4] = d.hi.length;
  f[5] = d.raw ? 2 : 3;
  f[6] = d.raw ? d.raw.length : (d.b?.size ?? 0);
  f[7] = d.loT;
  f[8] = d.hiT;
  let i = 9;
  for (const v of d.lo) f[i++] = v;
  for (const v of d.hi) f[i++] = v;
  if (d.raw) for (const v of d.raw) f[i++] = v;
  else
    for (const [k, c] of d.b ?? []) {
      f[i++] = k;
      f[i++] = c;
    }
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

export function decodeDistribution(buf: Uint8Array): Distribution {
  // Copy: SQLite's buffer need not be 8-byte aligned.
  const f = new Float64Array(buf.byteLength / 8);
  new Uint8Array(f.buffer).set(buf);
  const n = f[0]!;
  const loLen = f[3]!;
  const hiLen = f[4]!;
  const mode = f[5]!;
  const count = f[6]!;
  const withThresholds = mode >= 2;
  let i = withThresholds ? 9 : 7;
  const lo = Array.from(f.subarray(i, (i += loLen)));
  const hi = Array.from(f.subarray(i, (i += hiLen)));
  const loT = withThresholds ? f[7]! : lo.length === n ? Number.POSITIVE_INFINITY : (lo[lo.length - 1] ?? Number.NEGATIVE_INFINITY);
  const hiT = withThresholds ? f[8]! : hi.length === n ? Number.NEGATIVE_INFINITY : (hi[0] ?? Number.POSITIVE_INFINITY);
  const d: Distribution = { n, sum: f[1]!, lo, hi, loT, hiT };
  if (mode === 0 || mode === 2) d.raw = Array.from(f.subarray(i, i + count));
  else {
    d.z = f[2]!;
    d.b = new Map();
    for (let k = 0; k < count; k++, i += 2) d.b.set(f[i]!, f[i + 1]!);
  }
  return d;
}
