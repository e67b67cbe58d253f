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
 * - the EXTREMES smallest and largest values are kept exactly, so min and max survive
 *   removals (a late event refolding a journey) unless more than EXTREMES of them go.
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
  lo: number[];
  hi: number[];
}

export function emptyDistribution(): Distribution {
  return { n: 0, sum: 0, raw: [], lo: [], hi: [] };
}

const bucketOf = (v: number): number => Math.ceil(Math.log(v) / LN_GAMMA);
/** The value a bucket stands for: the midpoint in relative terms (error ≤ ALPHA either way). */
const valueOf = (i: number): number => (2 * GAMMA ** i) / (GAMMA + 1);

function insertSorted(list: number[], v: number, keepSmallest: boolean): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, v);
  if (list.length > EXTREMES) {
    if (keepSmallest) list.pop();
    else list.shift();
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
  if (d.lo.length < EXTREMES || v < d.lo[d.lo.length - 1]!) insertSorted(d.lo, v, true);
  if (d.hi.length < EXTREMES || v > d.hi[0]!) insertSorted(d.hi, v, false);
}

export function removeValue(d: Distribution, v: number): void {
  if (d.n === 0) return;
  d.n--;
  d.sum -= v;
  if (d.raw) removeOne(d.raw, v);
  else addToSketch(d, v, -1);
  removeOne(d.lo, v);
  removeOne(d.hi, v);
  if (d.n === 0) Object.assign(d, emptyDistribution());
  else if (d.raw) refreshExtremesFromRaw(d);
}

function refreshExtremesFromRaw(d: Distribution): void {
  const sorted = [...d.raw!].sort((a, b) => a - b);
  d.lo = sorted.slice(0, EXTREMES);
  d.hi = sorted.slice(-EXTREMES);
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
  into.lo = [...into.lo, ...other.lo].sort((a, b) => a - b).slice(0, EXTREMES);
  into.hi = [...into.hi, ...other.hi].sort((a, b) => a - b).slice(-EXTREMES);
}

/** Subtracts `other` (values that were added to `from` before). */
export function subtractFrom(from: Distribution, other: Distribution): void {
  if (other.raw) {
    for (const v of other.raw) removeValue(from, v);
    return;
  }
  // A sketch subtracted from a sketch: counts per bucket; extremes are the sketch's own.
  from.n -= other.n;
  from.sum -= other.sum;
  toSketch(from);
  from.z = (from.z ?? 0) - (other.z ?? 0);
  for (const [k, c] of other.b ?? []) {
    const next = (from.b!.get(k) ?? 0) - c;
    if (next <= 0) from.b!.delete(k);
    else from.b!.set(k, next);
  }
  for (const v of other.lo) removeOne(from.lo, v);
  for (const v of other.hi) removeOne(from.hi, v);
  if (from.n <= 0) Object.assign(from, emptyDistribution());
}

/** The k-th smallest value (0-based) as the sketch knows it. */
function orderStatistic(d: Distribution, k: number, keys: number[]): number {
  if (k < d.lo.length) return d.lo[k]!;
  const fromTop = d.n - 1 - k;
  if (fromTop < d.hi.length) return d.hi[d.hi.length - 1 - fromTop]!;
  let seen = d.z ?? 0;
  if (k < seen) return 0;
  for (const key of keys) {
    seen += d.b!.get(key)!;
    if (k < seen) return valueOf(key);
  }
  return d.hi[d.hi.length - 1] ?? 0;
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
 * The stored form: little-endian float64s — n, sum, z, |lo|, |hi|, mode (0 raw, 1 sketch),
 * |raw or buckets|, then lo, hi, and the raw values or (bucket, count) pairs. Binary
 * because the busiest cells (a pair's all-time total) are rewritten by every batch.
 */
export function encodeDistribution(d: Distribution): Buffer {
  const items = d.raw ? d.raw.length : (d.b?.size ?? 0) * 2;
  const f = new Float64Array(7 + d.lo.length + d.hi.length + items);
  f[0] = d.n;
  f[1] = d.sum;
  f[2] = d.z ?? 0;
  f[3] = d.lo.length;
  f[4] = d.hi.length;
  f[5] = d.raw ? 0 : 1;
  f[6] = d.raw ? d.raw.length : (d.b?.size ?? 0);
  let i = 7;
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
  const loLen = f[3]!;
  const hiLen = f[4]!;
  const count = f[6]!;
  let i = 7;
  const lo = Array.from(f.subarray(i, (i += loLen)));
  const hi = Array.from(f.subarray(i, (i += hiLen)));
  const d: Distribution = { n: f[0]!, sum: f[1]!, lo, hi };
  if (f[5] === 0) d.raw = Array.from(f.subarray(i, i + count));
  else {
    d.z = f[2]!;
    d.b = new Map();
    for (let k = 0; k < count; k++, i += 2) d.b.set(f[i]!, f[i + 1]!);
  }
  return d;
}
