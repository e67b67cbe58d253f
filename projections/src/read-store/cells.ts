import type Database from 'better-sqlite3';
import type { CellDelta, KindCode } from './contributions.ts';
import { DAY_MS, DISTRIBUTION_KINDS, WEIGHTED_KINDS } from './contributions.ts';
import type { WeightedHistogram } from './weighted.ts';
import { addPacked, decodeHistogram, encodeHistogram, mergeHistogram } from './weighted.ts';
import type { Distribution } from './distribution.ts';
import { addValue, decodeDistribution, emptyDistribution, encodeDistribution, mergeInto, removeValue } from './distribution.ts';
import type { Names } from './names.ts';

/**
 * The aggregate cells: every contribution is counted on its day, its month and in the
 * all-time total, per journey type. A query merges the fewest cells that cover its range
 * (the total; else whole months plus the odd days), so its cost depends on the number of
 * keys and the length of the range, never on the number of journeys.
 */
export const Level = { all: 0, month: 1, day: 2 } as const;

export interface Cell {
  n: number;
  dist: Distribution | null;
  /** Weighted kinds (the estimates' samples). */
  hist?: WeightedHistogram;
}

export interface CellRow {
  a: number;
  b: number;
  jt: number;
  n: number;
  dist: Buffer | null;
}

const monthCache = new Map<number, number>();
/** Months since year 0 of a UTC day number. */
export function monthOfDay(day: number): number {
  let m = monthCache.get(day);
  if (m === undefined) {
    const d = new Date(day * DAY_MS);
    m = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (monthCache.size > 100_000) monthCache.clear();
    monthCache.set(day, m);
  }
  return m;
}
/** The first UTC day of a month number. */
export function firstDayOfMonth(month: number): number {
  return Math.floor(Date.UTC(Math.floor(month / 12), month % 12, 1) / DAY_MS);
}

interface PendingCell {
  kind: number;
  level: number;
  jt: number;
  bucket: number;
  a: number;
  b: number;
  w: number;
  added: number[];
  removed: number[];
}

export class CellStore {
  private readonly get: Database.Statement;
  private readonly put: Database.Statement;
  private readonly del: Database.Statement;
  /** Parsed cells recently written or read (the writer's working set), bounded. */
  private readonly cache = new Map<string, Cell>();
  private readonly cacheLimit: number;

  constructor(
    private readonly db: Database.Database,
    private readonly names: Names,
    options: { cacheCells?: number } = {},
  ) {
    this.cacheLimit = options.cacheCells ?? 100_000;
    this.get = db.prepare('SELECT n, dist FROM cells WHERE kind = ? AND level = ? AND jt = ? AND bucket = ? AND a = ? AND b = ?');
    this.put = db.prepare(
      'INSERT INTO cells (kind, level, jt, bucket, a, b, n, dist) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, level, jt, bucket, a, b) DO UPDATE SET n = excluded.n, dist = excluded.dist',
    );
    this.del = db.prepare('DELETE FROM cells WHERE kind = ? AND level = ? AND jt = ? AND bucket = ? AND a = ? AND b = ?');
  }

  /** Forget parsed cells (after a rollback, or when another process may have written). */
  clearCache(): void {
    this.cache.clear();
  }

  /**
   * Applies the deltas of a batch (inside the caller's transaction): merged per cell
   * first, so a cell touched by many journeys is read and written once.
   */
  apply(deltas: readonly { jt: number; delta: CellDelta }[]): void {
    // Merged per day cell first (one key per delta), then each day cell into its month and
    // the all-time total: a batch builds few keys however many journeys it touches.
    const days = new Map<string, PendingCell>();
    for (const { jt, delta } of deltas) {
      const key = `${delta.kind},${jt},${delta.day},${delta.a}\u0000${delta.b}`;
      let p = days.get(key);
      if (!p) days.set(key, (p = { kind: delta.kind, level: Level.day, jt, bucket: delta.day, a: this.names.id(delta.a), b: this.names.id(delta.b), w: 0, added: [], removed: [] }));
      p.w += delta.w;
      for (const v of delta.added) p.added.push(v);
      for (const v of delta.removed) p.removed.push(v);
    }
    const pending = new Map<string, PendingCell>();
    for (const d of days.values()) {
      pending.set(`${d.kind},${Level.day},${d.jt},${d.bucket},${d.a},${d.b}`, d);
      for (const [level, bucket] of [
        [Level.month, monthOfDay(d.bucket)],
        [Level.all, 0],
      ] as const) {
        const key = `${d.kind},${level},${d.jt},${bucket},${d.a},${d.b}`;
        let p = pending.get(key);
        if (!p) pending.set(key, (p = { kind: d.kind, level, jt: d.jt, bucket, a: d.a, b: d.b, w: 0, added: [], removed: [] }));
        p.w += d.w;
        for (const v of d.added) p.added.push(v);
        for (const v of d.removed) p.removed.push(v);
      }
    }
    for (const [key, p] of pending) this.write(key, p);
  }

  private write(key: string, p: PendingCell): void {
    let cell = this.cache.get(key);
    if (cell) this.cache.delete(key);
    else {
      const row = this.get.get(p.kind, p.level, p.jt, p.bucket, p.a, p.b) as { n: number; dist: Buffer | null } | undefined;
      if (WEIGHTED_KINDS.has(p.kind)) cell = { n: row?.n ?? 0, dist: null, hist: row?.dist ? decodeHistogram(row.dist) : new Map() };
      else cell = row ? { n: row.n, dist: row.dist === null ? null : decodeDistribution(row.dist) } : { n: 0, dist: null };
    }
    cell.n += p.w;
    if (cell.hist) {
      for (const v of p.removed) addPacked(cell.hist, v, -1);
      for (const v of p.added) addPacked(cell.hist, v, 1);
    } else if (DISTRIBUTION_KINDS.has(p.kind)) {
      const dist = cell.dist ?? emptyDistribution();
      for (const v of p.removed) removeValue(dist, v);
      for (const v of p.added) addValue(dist, v);
      cell.dist = dist;
    }
    if (cell.n <= 0) {
      this.del.run(p.kind, p.level, p.jt, p.bucket, p.a, p.b);
      return;
    }
    const blob = cell.hist ? encodeHistogram(cell.hist) : cell.dist === null ? null : encodeDistribution(cell.dist);
    this.put.run(p.kind, p.level, p.jt, p.bucket, p.a, p.b, cell.n, blob);
    this.cache.set(key, cell);
    if (this.cache.size > this.cacheLimit) this.cache.delete(this.cache.keys().next().value!);
  }
}

/** A day range [fromDay, toDay) as the cells that cover it: whole months, then the odd days. */
export function coverRange(fromDay: number, toDay: number): { months: [number, number] | null; days: [number, number][] } {
  if (toDay <= fromDay) return { months: null, days: [] };
  const firstFull = monthOfDay(fromDay) + (firstDayOfMonth(monthOfDay(fromDay)) === fromDay ? 0 : 1);
  const endMonth = monthOfDay(toDay); // the month holding toDay is not whole (toDay excluded)
  if (firstFull >= endMonth) return { months: null, days: [[fromDay, toDay]] };
  const days: [number, number][] = [];
  const fullStartDay = firstDayOfMonth(firstFull);
  const fullEndDay = firstDayOfMonth(endMonth);
  if (fromDay < fullStartDay) days.push([fromDay, fullStartDay]);
  if (fullEndDay < toDay) days.push([fullEndDay, toDay]);
  return { months: [firstFull, endMonth], days };
}

/** What a query asks of the cells: one kind, one journey type or all, a day range or all time. */
export interface CellQuery {
  kind: KindCode;
  /** A journey-type name id; undefined: every type. */
  jt?: number;
  /** [fromDay, toDay); undefined: all time. */
  days?: [number, number];
  /** Only cells with this first key. */
  a?: number;
}

/** Reads and merges cells per (a, b): counts, and distributions for the duration kinds. */
export class CellReader {
  private readonly stmts = new Map<string, Database.Statement>();
  constructor(private readonly db: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  rows(q: CellQuery): CellRow[] {
    const cols = DISTRIBUTION_KINDS.has(q.kind) || WEIGHTED_KINDS.has(q.kind) ? 'a, b, jt, n, dist' : 'a, b, jt, n, NULL AS dist';
    const jt = q.jt !== undefined ? ' AND jt = ?' : '';
    const a = q.a !== undefined ? ' AND a = ?' : '';
    const tail = (extra: unknown[]): unknown[] => [...(q.jt !== undefined ? [q.jt] : []), ...extra, ...(q.a !== undefined ? [q.a] : [])];
    if (!q.days) return this.stmt(`SELECT ${cols} FROM cells WHERE kind = ? AND level = 0${jt} AND bucket = 0${a}`).all(q.kind, ...tail([])) as CellRow[];
    const cover = coverRange(q.days[0], q.days[1]);
    const out: CellRow[] = [];
    if (cover.months) {
      out.push(...(this.stmt(`SELECT ${cols} FROM cells WHERE kind = ? AND level = 1${jt} AND bucket >= ? AND bucket < ?${a}`).all(q.kind, ...tail(cover.months)) as CellRow[]));
    }
    for (const range of cover.days) {
      out.push(...(this.stmt(`SELECT ${cols} FROM cells WHERE kind = ? AND level = 2${jt} AND bucket >= ? AND bucket < ?${a}`).all(q.kind, ...tail(range)) as CellRow[]));
    }
    return out;
  }

  /** Per (a, b): the summed count and, for durations, the merged distribution. */
  merged(q: CellQuery): Map<string, { a: number; b: number; n: number; dist: Distribution | null }> {
    const out = new Map<string, { a: number; b: number; n: number; dist: Distribution | null }>();
    for (const row of this.rows(q)) {
      const key = `${row.a},${row.b}`;
      let m = out.get(key);
      if (!m) out.set(key, (m = { a: row.a, b: row.b, n: 0, dist: null }));
      m.n += row.n;
      if (row.dist !== null && DISTRIBUTION_KINDS.has(q.kind)) {
        const d = decodeDistribution(row.dist);
        if (m.dist === null) m.dist = d;
        else mergeInto(m.dist, d);
      }
    }
    return out;
  }

  /** Per (a, b): the merged weighted histograms of a weighted kind. */
  weighted(q: CellQuery): Map<string, { a: number; b: number; n: number; hist: WeightedHistogram }> {
    const out = new Map<string, { a: number; b: number; n: number; hist: WeightedHistogram }>();
    for (const row of this.rows(q)) {
      const key = `${row.a},${row.b}`;
      let m = out.get(key);
      if (!m) out.set(key, (m = { a: row.a, b: row.b, n: 0, hist: new Map() }));
      m.n += row.n;
      if (row.dist !== null) mergeHistogram(m.hist, decodeHistogram(row.dist));
    }
    return out;
  }
}
