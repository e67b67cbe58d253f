import Database from 'better-sqlite3';
import type {
  AnalyticsFilter,
  Clock,
  CustomerStatus,
  DepartmentFocus,
  DepartmentWorkload,
  HandoffAnalytics,
  JourneyEvent,
  JourneyTimeline,
  ProcessMap,
  Replay,
  StoredEvent,
  Variants,
} from '@journeys/contracts';
import { Interner, parseInstant, projectEvent, type ProjectedEvent } from '../projected-event.ts';
import type { JourneyListFilter, JourneyPage, JourneyQueries, JourneySelection, ReadModelChange } from '../queries.ts';
import type { FoldOptions } from '../journey-fold.ts';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import type { AlertInputs } from '../alerts/inputs.ts';
import type { EstimateStats } from '../estimate/estimate.ts';
import { readStoreAlertInputs, readStoreEstimateStats } from './live-inputs.ts';
import { handoffsFrom, processMapFrom, storedCells, summariseOpen, workloadFrom, type OpenAtDept, type OpenByDept } from './analytics.ts';
import { CellReader, CellStore } from './cells.ts';
import { DAY_MS, Kind, type KindCode } from './contributions.ts';
import { createWriter, type Writer } from './apply.ts';
import { cellFilter } from './filters.ts';
import { ALWAYS } from './journey-rows.ts';
import { JourneyReads } from './journey-queries.ts';
import { MapFocus } from './map-focus.ts';
import { processMapGroupedFrom } from './map-rollup.ts';
import { MapSelection } from './map-selection.ts';
import { variantsFromCells } from './map-variants.ts';
import { Names } from './names.ts';
import { asOf } from './replay.ts';
import { FOLD_VERSION, SCHEMA_VERSION, createQueryIndexes, createSchema } from './schema.ts';

/**
 * Anything with an event and its store position (StoredEvent and the store's PagedEvent
 * fit); `occurredMs`, when given, must be `event.occurredAt` as epoch ms (saves a parse).
 */
export type PositionedEvent = Pick<StoredEvent, 'position'> & { event: JourneyEvent; occurredMs?: number };

export interface ReadStoreOptions {
  /** A file (WAL, shared by the processes on one machine) or ':memory:' (tests). */
  path: string;
  /** "Now" for SLA and workload; default the wall clock. */
  clock?: () => number;
  /** Open for reading only: another process writes (it holds the writer lease). */
  readonly?: boolean;
  /** SQLite page cache per connection, MiB (default 16). */
  cacheMiB?: number;
  /** Parsed aggregate cells kept by the writer (default 100 000: tens of MiB at most). */
  cacheCells?: number;
  /**
   * A bulk load into a fresh file nobody reads yet (a rebuild beside the live store): no
   * fsync, no change log, query indexes built once by `finishBulk()`. A crash leaves a file
   * to throw away, which is what the rebuild does with an unfinished one.
   */
  bulk?: boolean;
  /**
   * Business-hours calendars (JOURNEY_CALENDARS): the folds then carry business figures and
   * the estimates run on the business clock. A store built with other calendars is stale.
   */
  calendars?: CalendarSet;
}

/** ?clock=business asked of a read store that has no calendars. */
export class NoCalendarsError extends Error {
  override name = 'NoCalendarsError';
}

/**
 * The read store port: the projections' read models as rows on disk. `apply` is the only
 * write (a batch, any order, duplicates allowed; the checkpoint moves in the same
 * transaction); everything else is JourneyQueries. Adapters are cheap to add behind it;
 * the one here is embedded SQLite.
 */
export interface ReadStore extends JourneyQueries {
  /** Applies a batch up to `position` (default: the batch's highest). Returns the journeys that changed. */
  apply(batch: readonly PositionedEvent[], options?: { position?: number }): string[];
  /**
   * Rewrites journeys from their events as the event store gives them now (after an
   * erasure: the personal fields read "[erased]"), replacing what their rows held. The
   * checkpoint does not move. Returns the journeys whose rows changed.
   */
  rewrite(events: readonly PositionedEvent[]): string[];
  /** Moves the checkpoint without events (a filtered or empty stretch of the store). */
  advanceTo(position: number): void;
  /** Whether the stored figures come from an older fold (a rebuild is due). */
  readonly stale: { reason: string } | null;
  /** Which event store the rows came from (set on first apply; a different store means rebuild). */
  storeId(): string | null;
  setStoreId(id: string): void;
  /** For processes that only read: pick up what the writer committed since the last call. */
  refresh(): void;
  /** Tells the change listeners (the runner announces "caught-up" this way). */
  notify(changes: readonly ReadModelChange[]): void;
  /** Ends a bulk load: builds the query indexes and makes the file a normal WAL store. */
  finishBulk(): void;
  /** Journeys stored (the list's total, cheap). */
  journeyCount(): number;
  /** Distinct events held by the journeys' rows (a scan of the journeys table: for reports, not requests). */
  eventCount(): number;
  close(): void;
}

export function openReadStore(options: ReadStoreOptions): ReadStore {
  return new SqliteReadStore(options);
}

class SqliteReadStore implements ReadStore {
  private readonly db: Database.Database;
  private readonly names: Names;
  private readonly cells: CellStore;
  private readonly reader: CellReader;
  private readonly reads: JourneyReads;
  private readonly selection: MapSelection;
  private readonly focus: MapFocus;
  private readonly writer: Writer | undefined;
  private readonly clock: () => number;
  private readonly interner = new Interner();
  private readonly listeners = new Set<(change: ReadModelChange) => void>();
  private readonly getMeta: Database.Statement<[string]>;
  private readonly putMeta: Database.Statement<[string, string]>;
  private checkpoint = 0;
  private newestAt = Number.NEGATIVE_INFINITY;
  private lastChange = 0;
  /** Answers per checkpoint (an imported log that does not move answers from memory). */
  private readonly cache = new Map<string, { position: number; value: unknown }>();
  readonly stale: { reason: string } | null;
  private readonly bulk: boolean;
  readonly calendars: CalendarSet | undefined;
  private readonly fold: FoldOptions;
  private readonly alerts: AlertInputs;
  private readonly estimates: EstimateStats;

  constructor(options: ReadStoreOptions) {
    this.clock = options.clock ?? Date.now;
    this.calendars = options.calendars?.configured ? options.calendars : undefined;
    this.fold = this.calendars ? { calendars: this.calendars } : {};
    this.db = new Database(options.path, options.readonly ? { readonly: true, fileMustExist: true } : {});
    const cacheKiB = (options.cacheMiB ?? 16) * 1024;
    this.bulk = options.bulk ?? false;
    if (this.bulk) {
      this.db.pragma('journal_mode = MEMORY');
      this.db.pragma('synchronous = OFF');
    } else {
      if (options.path !== ':memory:' && !options.readonly) this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.pragma(`cache_size = -${cacheKiB}`);
    // Memory stays what we set: no mapped file pages counted against the process.
    this.db.pragma('mmap_size = 0');
    this.db.pragma('temp_store = FILE');
    this.db.pragma('busy_timeout = 5000');
    // Every row a batch replaces leaves its old bytes behind (a journey's events, actors and
    // reasons included) unless they are zeroed as they are freed: an erasure could rewrite
    // the rows of today, never the copies earlier batches left in free space.
    this.db.pragma('secure_delete = ON');
    if (!options.readonly) createSchema(this.db, { deferIndexes: this.bulk });
    this.getMeta = this.db.prepare('SELECT value FROM meta WHERE key = ?');
    this.putMeta = options.readonly ? (undefined as never) : this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.stale = this.checkVersions(options.readonly ?? false);
    this.names = new Names(this.db);
    this.cells = new CellStore(this.db, this.names, options.cacheCells !== undefined ? { cacheCells: options.cacheCells } : {});
    this.reader = new CellReader(this.db);
    const clockOf: Clock = this.calendars ? 'business' : 'elapsed';
    // Their own cache: a status poll per (type, stage) must not push the analytics' answers out.
    const live = new Map<string, { position: number; value: unknown }>();
    const memo = <T>(key: string, compute: () => T): T => {
      const hit = live.get(key);
      if (hit && hit.position === this.checkpoint) return hit.value as T;
      const value = compute();
      if (live.size >= 4096) live.clear();
      live.set(key, { position: this.checkpoint, value });
      return value;
    };
    this.alerts = readStoreAlertInputs(this.db, this.reader, this.names, clockOf, memo);
    this.estimates = readStoreEstimateStats(this.reader, this.names, clockOf, memo);
    this.reads = new JourneyReads(this.db, this.names, this.calendars, () => this.estimates);
    this.selection = new MapSelection(this.db, this.names, this.fold);
    this.focus = new MapFocus(this.db, this.reader, this.names, this.fold, this.calendars, (jt, now) => this.openNow(jt, now));
    this.writer = options.readonly ? undefined : createWriter(this.db, this.names, this.cells, { changeLog: !this.bulk, calendars: this.calendars });
    this.loadCheckpoint();
    this.lastChange = (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM changes').get() as { s: number }).s;
  }

  private meta(key: string): unknown {
    const row = this.getMeta.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as unknown) : undefined;
  }

  private checkVersions(readonly: boolean): { reason: string } | null {
    const schema = this.meta('schemaVersion');
    const fold = this.meta('foldVersion');
    const calendars = (this.meta('calendars') as string | undefined) ?? '';
    const wanted = this.calendars?.fingerprint ?? '';
    const empty = (this.db.prepare('SELECT COUNT(*) AS n FROM journeys').get() as { n: number }).n === 0;
    if (schema === undefined && !readonly) {
      this.putMeta.run('schemaVersion', JSON.stringify(SCHEMA_VERSION));
      this.putMeta.run('foldVersion', JSON.stringify(FOLD_VERSION));
      this.putMeta.run('calendars', JSON.stringify(wanted));
      return null;
    }
    if (schema !== SCHEMA_VERSION) return { reason: `the read store's tables are version ${String(schema)}, this build reads version ${SCHEMA_VERSION}` };
    if (fold !== FOLD_VERSION) {
      if (empty && !readonly) {
        this.putMeta.run('foldVersion', JSON.stringify(FOLD_VERSION));
        return null;
      }
      return { reason: `the read models were computed by fold version ${String(fold)}, this build computes version ${FOLD_VERSION}` };
    }
    if (calendars !== wanted) {
      if (empty && !readonly) {
        this.putMeta.run('calendars', JSON.stringify(wanted));
        return null;
      }
      const what = (fp: string) => (fp === '' ? 'no calendars' : `calendars ${fp.slice(0, 8)}`);
      return { reason: `the business figures were computed with ${what(calendars)}, the configuration has ${what(wanted)}` };
    }
    return null;
  }

  private loadCheckpoint(): void {
    this.checkpoint = (this.meta('position') as number | undefined) ?? 0;
    this.newestAt = (this.meta('newestAt') as number | undefined) ?? Number.NEGATIVE_INFINITY;
  }

  get position(): number {
    return this.checkpoint;
  }

  storeId(): string | null {
    return (this.meta('storeId') as string | undefined) ?? null;
  }

  setStoreId(id: string): void {
    this.putMeta.run('storeId', JSON.stringify(id));
  }

  journeyCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM journeys').get() as { n: number }).n;
  }

  finishBulk(): void {
    createQueryIndexes(this.db);
    this.db.pragma('optimize');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
  }

  eventCount(): number {
    return (this.db.prepare('SELECT COALESCE(SUM(event_count), 0) AS n FROM journeys').get() as { n: number }).n;
  }

  apply(batch: readonly PositionedEvent[], options: { position?: number } = {}): string[] {
    if (!this.writer) throw new Error('this read store was opened read-only');
    const byJourney = new Map<string, ProjectedEvent[]>();
    let position = options.position ?? this.checkpoint;
    let newestAt = this.newestAt;
    for (const stored of batch) {
      const e = projectEvent(stored.event, stored.position, this.interner, stored.occurredMs);
      let list = byJourney.get(stored.event.journeyId);
      if (!list) byJourney.set(stored.event.journeyId, (list = []));
      list.push(e);
      if (options.position === undefined && stored.position > position) position = stored.position;
      if (e.t > newestAt) newestAt = e.t;
    }
    if (position < this.checkpoint) position = this.checkpoint;
    const { changed, foreign } = this.writer.apply(byJourney, { position, newestAt });
    this.checkpoint = position;
    this.newestAt = newestAt;
    // Another process sharing the file may have applied these events first: then its
    // listeners heard of them and ours must too, so every journey of the batch is announced.
    const announce = foreign ? [...byJourney.keys()] : changed;
    if (announce.length > 0 || foreign) {
      this.cache.clear();
      this.trimChanges();
      this.notify(announce.map((journeyId) => ({ kind: 'journey' as const, journeyId, position })));
    }
    return changed;
  }

  rewrite(events: readonly PositionedEvent[]): string[] {
    if (!this.writer) throw new Error('this read store was opened read-only');
    const byJourney = new Map<string, ProjectedEvent[]>();
    for (const stored of events) {
      const e = projectEvent(stored.event, stored.position, this.interner, stored.occurredMs);
      let list = byJourney.get(stored.event.journeyId);
      if (!list) byJourney.set(stored.event.journeyId, (list = []));
      list.push(e);
    }
    // secure_delete (on for the connection) zeroes the old row's bytes in the pages it
    // leaves; the checkpoint then truncates the WAL, which held the page as it was.
    const { changed } = this.writer.apply(byJourney, { position: this.checkpoint, newestAt: this.newestAt }, { replace: true });
    if (changed.length > 0 && !this.bulk) this.db.pragma('wal_checkpoint(TRUNCATE)');
    if (changed.length > 0) {
      this.cache.clear();
      this.notify(changed.map((journeyId) => ({ kind: 'journey' as const, journeyId, position: this.checkpoint })));
    }
    return changed;
  }

  advanceTo(position: number): void {
    if (position <= this.checkpoint) return;
    this.putMeta.run('position', JSON.stringify(position));
    this.checkpoint = position;
  }

  private trimChanges(): void {
    // The change log only serves readers polling a few times a second.
    if (Math.random() < 0.01) this.db.prepare('DELETE FROM changes WHERE seq < (SELECT MAX(seq) FROM changes) - 100000').run();
  }

  refresh(): void {
    this.loadCheckpoint();
    const rows = this.db.prepare('SELECT seq, journey_id, position FROM changes WHERE seq > ? ORDER BY seq LIMIT 10000').all(this.lastChange) as {
      seq: number;
      journey_id: string;
      position: string;
    }[];
    if (rows.length === 0) return;
    this.lastChange = rows[rows.length - 1]!.seq;
    this.cache.clear();
    this.cells.clearCache();
    this.names.reload(this.db);
    this.notify(rows.map((r) => ({ kind: 'journey' as const, journeyId: r.journey_id, position: Number(r.position) })));
  }

  notify(changes: readonly ReadModelChange[]): void {
    for (const change of changes) {
      for (const l of this.listeners) {
        try {
          l(change);
        } catch {
          // A failing listener (a closed SSE socket) must not stop the projection.
        }
      }
    }
  }

  private cached<T>(key: string, compute: () => T): T {
    const hit = this.cache.get(key);
    if (hit && hit.position === this.checkpoint) return hit.value as T;
    const value = compute();
    if (this.cache.size >= 64) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { position: this.checkpoint, value });
    return value;
  }

  // ---- JourneyQueries ----

  timeline(journeyId: string): JourneyTimeline | undefined {
    return this.reads.timeline(journeyId, this.clock());
  }

  customerStatus(journeyId: string): CustomerStatus | undefined {
    return this.reads.customerStatus(journeyId, this.clock());
  }

  listJourneys(filter: JourneyListFilter, page: { cursor?: string; limit: number }): JourneyPage {
    return this.reads.list(filter, page, this.clock());
  }

  handoffs(filter?: AnalyticsFilter & { clock?: Clock }): HandoffAnalytics {
    const { clock = 'elapsed', ...rest } = filter ?? {};
    if (clock === 'business' && !this.calendars) throw new NoCalendarsError('no business calendars are configured (JOURNEY_CALENDARS)');
    return this.cached(`handoffs|${clock}|${JSON.stringify(rest)}`, () =>
      handoffsFrom(storedCells(this.reader, cellFilter(rest, this.names)), this.names, clock),
    );
  }

  alertInputs(): AlertInputs {
    return this.alerts;
  }

  estimateStats(): EstimateStats {
    return this.estimates;
  }

  processMap(filter?: AnalyticsFilter): ProcessMap {
    return this.cached(`map|${JSON.stringify(filter ?? {})}`, () => {
      const f = cellFilter(filter, this.names);
      return processMapFrom(storedCells(this.reader, f), this.openNow(f.jt, this.clock()), this.names);
    });
  }

  departments(filter?: AnalyticsFilter & { now?: string }): DepartmentWorkload[] {
    const { now: nowIso, ...rest } = filter ?? {};
    const now = nowIso === undefined ? this.clock() : parseInstant(nowIso);
    const f = cellFilter(rest, this.names);
    if (now < this.newestAt) {
      const past = asOf(this.db, this.reader, this.names, f, now, this.calendars);
      return workloadFrom(past.cells, summariseOpen(past.open, now), this.names, now);
    }
    return workloadFrom(storedCells(this.reader, f), this.openNow(f.jt, now), this.names, now);
  }

  replay(instant: string, filter?: AnalyticsFilter): Replay {
    const at = parseInstant(instant);
    return this.cached(`replay|${at}|${JSON.stringify(filter ?? {})}`, () => {
      const f = cellFilter(filter, this.names);
      const past = asOf(this.db, this.reader, this.names, f, at, this.calendars);
      let total = 0;
      let completed = 0;
      for (const v of past.cells(Kind.started).values()) total += v.n;
      for (const v of past.cells(Kind.completed).values()) completed += v.n;
      return {
        asOf: new Date(at).toISOString(),
        handoffs: handoffsFrom(past.cells, this.names),
        processMap: processMapFrom(past.cells, summariseOpen(past.open, at), this.names),
        departments: workloadFrom(past.cells, summariseOpen(past.open, at), this.names, at),
        journeys: { total, inProgress: total - completed, completed },
      };
    });
  }

  /**
   * What is open now, per department, without grouping the open rows: WIP, queue lengths
   * and the SLA marks are count cells kept by the writer (contributions.ts), the oldest
   * queued case one index seek per department. SLA states move with the clock alone, so
   * each open journey marks the day its promise falls due and the day it turns at risk:
   * breached at `now` = the due marks of the days before today, plus today's exact count
   * (an index range over today's promises only); at risk = the risk marks up to `now`
   * minus the breached (a journey turns at risk before it can be breached).
   */
  private openNow(jt: number | undefined | null, now: number): OpenByDept {
    const out: OpenByDept = new Map();
    if (jt === null) return out;
    const at = (dept: number): OpenAtDept => {
      const name = this.names.name(dept);
      let o = out.get(name);
      if (!o) out.set(name, (o = { wip: 0, queueLength: 0, oldest: null, slaAtRisk: 0, slaBreached: 0 }));
      return o;
    };
    const q = (kind: KindCode, days?: [number, number]) => this.reader.merged({ kind, ...(jt !== undefined ? { jt } : {}), ...(days ? { days } : {}) });
    for (const v of q(Kind.wip).values()) at(v.a).wip = v.n;
    for (const v of q(Kind.queued).values()) at(v.a).queueLength = v.n;
    const oldest = this.stmt(
      jt === undefined
        ? 'SELECT since, journey_id FROM here WHERE kind = 1 AND dept = ? ORDER BY since, journey_id LIMIT 1'
        : 'SELECT since, journey_id FROM here WHERE kind = 1 AND jt = ? AND dept = ? ORDER BY since, journey_id LIMIT 1',
    );
    for (const [name, o] of out) {
      if (o.queueLength === 0) continue;
      const dept = this.names.find(name)!;
      const r = (jt === undefined ? oldest.get(dept) : oldest.get(jt, dept)) as { since: number; journey_id: string } | undefined;
      if (r) o.oldest = { since: r.since, journeyId: r.journey_id };
    }
    // Every department holding an open journey with a promise is listed (zeros included).
    for (const v of q(Kind.slaDue).values()) at(v.a);
    const today = Math.floor(now / DAY_MS);
    const before: [number, number] = [Math.floor(ALWAYS / DAY_MS), today];
    const todayCount = (column: 'promised_by' | 'risk_from', inclusive: boolean) =>
      this.stmt(
        `SELECT dept, COUNT(DISTINCT journey_id) AS n FROM here WHERE ${column} >= ? AND ${column} ${inclusive ? '<=' : '<'} ?${jt !== undefined ? ' AND jt = ?' : ''} GROUP BY dept`,
      ).all(today * DAY_MS, now, ...(jt !== undefined ? [jt] : [])) as { dept: number; n: number }[];
    const breached = new Map<number, number>();
    const due = (dept: number, n: number) => breached.set(dept, (breached.get(dept) ?? 0) + n);
    for (const v of q(Kind.slaDue, before).values()) due(v.a, v.n);
    for (const r of todayCount('promised_by', false)) due(r.dept, r.n);
    const risky = new Map<number, number>();
    const risk = (dept: number, n: number) => risky.set(dept, (risky.get(dept) ?? 0) + n);
    for (const v of q(Kind.slaRisk, before).values()) risk(v.a, v.n);
    for (const r of todayCount('risk_from', true)) risk(r.dept, r.n);
    for (const [dept, n] of breached) at(dept).slaBreached = n;
    for (const [dept, n] of risky) at(dept).slaAtRisk = n - (breached.get(dept) ?? 0);
    return out;
  }

  private readonly statements = new Map<string, Database.Statement>();
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  // ---- journey map (variants, selections, roll-up, focus): from cells and indexed rows
  // like the rest (map-*.ts); the pure folds of variants.ts, selection.ts, rollup.ts and
  // focus.ts are their reference. No request reads every journey.

  variants(filter?: AnalyticsFilter & { department?: string }, limit = 100): Variants {
    const { department, ...rest } = filter ?? {};
    return this.cached(`variants|${limit}|${department ?? ''}|${JSON.stringify(rest)}`, () =>
      variantsFromCells(this.reader, this.names, cellFilter(rest, this.names), department, limit),
    );
  }

  selectJourneys(selection: JourneySelection, page: { cursor?: string; limit: number }): JourneyPage {
    return this.selection.page(selection, page, this.clock());
  }

  processMapGrouped(groups: Readonly<Record<string, string>>, filter?: AnalyticsFilter): ProcessMap {
    return this.cached(`grouped|${JSON.stringify(groups)}|${JSON.stringify(filter ?? {})}`, () => {
      const f = cellFilter(filter, this.names);
      return processMapGroupedFrom(this.reader, this.names, f, groups, this.openNow(f.jt, this.clock()));
    });
  }

  departmentFocus(department: string, filter?: AnalyticsFilter & { now?: string }, limit = 50): DepartmentFocus {
    const { now: nowIso, ...rest } = filter ?? {};
    const now = nowIso === undefined ? this.clock() : parseInstant(nowIso);
    return this.focus.focus(department, cellFilter(rest, this.names), now, limit, now < this.newestAt);
  }

  onChange(listener: (change: ReadModelChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export { InvalidCursorError } from './journey-queries.ts';
