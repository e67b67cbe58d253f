import type { WeightedSamples } from '../estimate/estimate.ts';

/**
 * A removable weighted histogram of durations: the value of the estimate cells (remaining
 * time per type and stage, lead time per type). Each sample carries its journey's weight
 * (estimate.ts weighs by 1 / lead time), so a cell keeps, per log bucket, the number of
 * samples and the sum of their weights, both exact integers: adding and removing a
 * journey's samples never drifts, whatever the order.
 *
 * A sample travels through the contributions as one number, `bucket · 2^32 + weight`, so
 * the contribution diff (a multiset of numbers) works on it unchanged.
 */
const GAMMA = 1.01;
const LN_GAMMA = Math.log(GAMMA);
const TWO_32 = 2 ** 32;
/** Weight of a one-minute journey; a weight is WEIGHT_UNIT · (1 min / lead), at least 1. */
const WEIGHT_UNIT = 2 ** 31;

/** Bucket 0 holds durations under 1 ms; bucket i ≥ 1 holds (γ^(i−2), γ^(i−1)]. */
export function bucketOfMs(ms: number): number {
  return ms < 1 ? 0 : 1 + Math.max(0, Math.ceil(Math.log(ms) / LN_GAMMA));
}

/** The duration a bucket stands for: the midpoint in relative terms (within 0.5%). */
export function msOfBucket(i: number): number {
  return i === 0 ? 0 : (2 * GAMMA ** (i - 1)) / (GAMMA + 1);
}

/** `weight` as estimate.ts computes it (1 / max(lead, 1 min)) → a positive integer. */
export function integerWeight(weight: number): number {
  return Math.max(1, Math.min(WEIGHT_UNIT, Math.round(weight * 60_000 * WEIGHT_UNIT)));
}

export function packSample(ms: number, weight: number): number {
  return bucketOfMs(ms) * TWO_32 + integerWeight(weight);
}

/** bucket → [samples, weight sum]. */
export type WeightedHistogram = Map<number, [number, number]>;

export function addPacked(h: WeightedHistogram, packed: number, sign: 1 | -1): void {
  const bucket = Math.floor(packed / TWO_32);
  const w = packed - bucket * TWO_32;
  const e = h.get(bucket);
  if (!e) {
    if (sign > 0) h.set(bucket, [1, w]);
    return;
  }
  e[0] += sign;
  e[1] += sign * w;
  if (e[0] <= 0) h.delete(bucket);
}

export function mergeHistogram(into: WeightedHistogram, other: WeightedHistogram): void {
  for (const [b, [n, w]] of other) {
    const e = into.get(b);
    if (e) {
      e[0] += n;
      e[1] += w;
    } else into.set(b, [n, w]);
  }
}

export function encodeHistogram(h: WeightedHistogram): Buffer {
  const keys = [...h.keys()].sort((a, b) => a - b);
  const buf = Buffer.allocUnsafe(4 + keys.length * 20);
  buf.writeUInt32LE(keys.length, 0);
  let o = 4;
  for (const k of keys) {
    const [n, w] = h.get(k)!;
    buf.writeUInt32LE(k, o);
    buf.writeDoubleLE(n, o + 4);
    buf.writeDoubleLE(w, o + 12);
    o += 20;
  }
  return buf;
}

export function decodeHistogram(buf: Uint8Array): WeightedHistogram {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const h: WeightedHistogram = new Map();
  const count = b.readUInt32LE(0);
  for (let i = 0, o = 4; i < count; i++, o += 20) h.set(b.readUInt32LE(o), [b.readDoubleLE(o + 4), b.readDoubleLE(o + 12)]);
  return h;
}

/** The histogram as estimate.ts reads samples: ascending values, their weights and counts. */
export function samplesOfHistogram(h: WeightedHistogram): WeightedSamples {
  const keys = [...h.keys()].sort((a, b) => a - b);
  const values = new Float64Array(keys.length);
  const weights = new Float64Array(keys.length);
  const counts = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    const [n, w] = h.get(k)!;
    values[i] = msOfBucket(k);
    weights[i] = w;
    counts[i] = n;
  });
  return { values, weights, counts };
}
