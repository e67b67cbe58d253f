import type {
  AnalyticsFilter,
  Clock,
  CustomerStatus,
  DepartmentWorkload,
  HandoffAnalytics,
  JourneyEvent,
  JourneyTimeline,
  ProcessMap,
  Replay,
  StoredEvent,
} from '@journeys/contracts';
import { departmentWorkload, handoffAnalytics, matches, processMap, resolveFilter } from './aggregates.ts';
import type { JourneyFacts } from './journey-fold.ts';
import { foldJourney } from './journey-fold.ts';
import type { ProjectedEvent } from './projected-event.ts';
import { Interner, insertEvent, parseInstant, projectEvent } from './projected-event.ts';
import type { JourneyListFilter, JourneyPage, JourneyQueries, ReadModelChange } from './queries.ts';
import { slaState } from './sla.ts';
import { businessHandoffAnalytics } from './business-aggregates.ts';
import type { CalendarSet } from './calendar/calendar-set.ts';
import { alertInputsFromFacts, type AlertInputs } from './alerts/inputs.ts';
import { buildEstimateStats, estimateCompletion, type Estimate, type EstimateStats } from './estimate/estimate.ts';
import { customerStatusOf, journeyState, toSummary, toTimeline } from './views.ts';

export interface JourneyRecord {
  readonly journeyId: string;
  /** Deduplicated, sorted by occurredAt then position. */
  readonly events: ProjectedEvent[];
  /** The fold of `events`; null while stale (folded lazily, once per change, not per event). */
  facts: JourneyFacts | null;
  status: CustomerStatus | null;
  /** Highest store position among the journey's events. */
  maxPosition: number;
}

export interface ReadModelOptions {
  /** "Now" for SLA and workload of live data; default the wall clock. */
  clock?: () => number;
  /** Business-hours calendars: the folds then carry business figures too. */
  calendars?: CalendarSet;
}

/** ?clock=business asked of a read model that has no calendars. */
export class NoCalendarsError extends Error {
  override name = 'NoCalendarsError';
}

/**
 * Anything with an event and its store position (StoredEvent and the store's PagedEvent
 * fit); `occurredMs`, when given, must be `event.occurredAt` as epoch ms (saves a parse).
 */
export type PositionedEvent = Pick<StoredEvent, 'position'> & { event: JourneyEvent; occurredMs?: number };

/**
 * The in-memory read models: every journey's events and its fold, and the aggregates
 * computed from the folds on demand, cached per applied batch. Implements JourneyQueries;
 * the runner feeds it from the store, tests and the bench feed it directly.
 */
export class JourneyReadModel implements JourneyQueries {
  readonly journeys = new Map<string, JourneyRecord>();
  private readonly names = new Interner();
  private readonly listeners = new Set<(change: ReadModelChange) => void>();
  private readonly clock: () => number;
  readonly calendars: CalendarSet | undefined;
  private appliedPosition = 0;
  /** Bumped on every batch that changed something: the aggregates' cache key. */
  private revision = 0;
  private cache = new Map<string, { revision: number; value: unknown }>();
  private newestEventAt = Number.NEGATIVE_INFINITY;
  eventCount = 0;

  constructor(options: ReadModelOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.calendars = options.calendars?.configured ? options.calendars : undefined;
  }

  private foldOptions(extra: { traceContinues?: boolean } = {}): { traceContinues?: boolean; calendars?: CalendarSet } {
    return this.calendars ? { ...extra, calendars: this.calendars } : extra;
  }

  get position(): number {
    return this.appliedPosition;
  }

  /**
   * Applies a batch (any order, duplicates allowed). Returns the journeys that changed.
   * `eager` refolds them now and refreshes their customer status (live batches); a
   * catch-up leaves them stale so each journey is folded once, when first asked.
   */
  apply(batch: readonly PositionedEvent[], options: { eager?: boolean } = {}): string[] {
    const changed = new Set<string>();
    for (const stored of batch) {
      if (this.insert(stored)) changed.add(stored.event.journeyId);
    }
    if (changed.size > 0) this.revision++;
    const ids = [...changed];
    if (options.eager) for (const id of ids) this.refreshStatus(this.journeys.get(id)!);
    return ids;
  }

  /**
   * The catch-up path: like `apply` without the list of changed journeys (a rebuild
   * changes them all, and nobody is listening per journey until it is caught up).
   * Journeys are left stale, to be folded once by `foldAll`. Returns how many events
   * changed something.
   */
  applyCatchUp(batch: readonly PositionedEvent[]): number {
    let changed = 0;
    for (let i = 0; i < batch.length; i++) if (this.insert(batch[i]!)) changed++;
    if (changed > 0) this.revision++;
    return changed;
  }

  /** Places one event in its journey; false when it was a duplicate that changed nothing. */
  private insert(stored: PositionedEvent): boolean {
    const journeyId = stored.event.journeyId;
    const e = projectEvent(stored.event, stored.position, this.names, stored.occurredMs);
    let rec = this.journeys.get(journeyId);
    if (!rec) {
      rec = { journeyId, events: [], facts: null, status: null, maxPosition: 0 };
      this.journeys.set(journeyId, rec);
    }
    if (stored.position > this.appliedPosition) this.appliedPosition = stored.position;
    const outcome = insertEvent(rec.events, e);
    if (outcome === 'unchanged') return false;
    if (outcome === 'added') this.eventCount++;
    if (e.position > rec.maxPosition) rec.maxPosition = e.position;
    if (e.t > this.newestEventAt) this.newestEventAt = e.t;
    rec.facts = null;
    return true;
  }

  /** Replaces the whole state with a snapshot's journeys (events already sorted and deduplicated). */
  restore(journeys: readonly { journeyId: string; events: ProjectedEvent[] }[], position: number): void {
    this.journeys.clear();
    this.eventCount = 0;
    const n = this.names;
    for (const j of journeys) {
      const events = j.events.map((e) => ({
        ...e,
        department: n.intern(e.department),
        activity: n.intern(e.activity),
        actor: n.intern(e.actor),
        toDepartment: n.intern(e.toDepartment),
        outcome: n.intern(e.outcome),
        journeyType: n.intern(e.journeyType),
        channel: n.intern(e.channel),
      }));
      let maxPosition = 0;
      for (const e of events) {
        if (e.position > maxPosition) maxPosition = e.position;
        if (e.t > this.newestEventAt) this.newestEventAt = e.t;
      }
      this.eventCount += events.length;
      this.journeys.set(j.journeyId, { journeyId: j.journeyId, events, facts: null, status: null, maxPosition });
    }
    this.appliedPosition = position;
    this.revision++;
  }

  /** Moves the applied position without events (a filtered or empty batch). */
  advanceTo(position: number): void {
    if (position > this.appliedPosition) this.appliedPosition = position;
  }

  /** Whether anyone listens to changes (a catch-up with no listener skips collecting them). */
  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  /** Announces changes to listeners; the runner calls it after each applied batch. */
  notify(changes: readonly ReadModelChange[]): void {
    if (this.listeners.size === 0) return;
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

  facts(rec: JourneyRecord): JourneyFacts {
    if (rec.facts === null) rec.facts = foldJourney(rec.journeyId, rec.events, this.foldOptions());
    return rec.facts;
  }

  /** Folds every stale journey (after a catch-up, before serving). */
  foldAll(): void {
    for (const rec of this.journeys.values()) this.facts(rec);
  }

  private *allFacts(): Iterable<JourneyFacts> {
    for (const rec of this.journeys.values()) yield this.facts(rec);
  }

  /**
   * The facts as they stood at `at`: journeys that had not started are left out, journeys
   * still going on at `at` are refolded over their events up to `at` (an imported trace
   * that continues after `at` is then still open).
   */
  private *factsAsOf(at: number): Iterable<JourneyFacts> {
    for (const rec of this.journeys.values()) {
      const f = this.facts(rec);
      if (f.startedAt > at) continue;
      if (f.lastEventAt <= at) {
        yield f;
        continue;
      }
      const ev = rec.events;
      let lo = 0;
      let hi = ev.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ev[mid]!.t <= at) lo = mid + 1;
        else hi = mid;
      }
      yield foldJourney(rec.journeyId, ev.slice(0, lo), this.foldOptions({ traceContinues: true }));
    }
  }

  private cached<T>(key: string, compute: () => T): T {
    const hit = this.cache.get(key);
    if (hit && hit.revision === this.revision) return hit.value as T;
    const value = compute();
    // Bounded whatever the revision: on a store that does not move (an imported log), every
    // distinct filter or replay instant would otherwise add an entry for ever.
    if (this.cache.size >= 64) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { revision: this.revision, value });
    return value;
  }

  private refreshStatus(rec: JourneyRecord): CustomerStatus {
    const f = this.facts(rec);
    const next = customerStatusOf(f, this.clock(), this.estimateOf(f));
    rec.status = { ...next, version: statusVersion(rec.events.length, next) };
    return rec.status;
  }

  // ---- JourneyQueries ----

  timeline(journeyId: string): JourneyTimeline | undefined {
    const rec = this.journeys.get(journeyId);
    if (!rec) return undefined;
    const f = this.facts(rec);
    const estimate = this.estimateOf(f);
    return toTimeline(f, rec.events, this.clock(), this.calendars, estimate && { ...estimate, clock: this.estimateStats().clock });
  }

  customerStatus(journeyId: string): CustomerStatus | undefined {
    const rec = this.journeys.get(journeyId);
    return rec ? this.refreshStatus(rec) : undefined;
  }

  listJourneys(filter: JourneyListFilter, page: { cursor?: string; limit: number }): JourneyPage {
    // Newest first; the cursor is the (startedAt, journeyId) of the last item returned.
    const sorted = this.cached('list', () => {
      const all = [...this.journeys.values()].map((rec) => this.facts(rec));
      all.sort((a, b) => b.startedAt - a.startedAt || (a.journeyId < b.journeyId ? -1 : a.journeyId > b.journeyId ? 1 : 0));
      return all;
    });
    let start = 0;
    if (page.cursor) {
      const [t, id] = decodeCursor(page.cursor);
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const f = sorted[mid]!;
        const after = f.startedAt < t || (f.startedAt === t && f.journeyId > id);
        if (after) hi = mid;
        else lo = mid + 1;
      }
      start = lo;
    }
    const now = this.clock();
    const limit = Math.max(1, Math.floor(page.limit));
    const items = [];
    let i = start;
    for (; i < sorted.length && items.length < limit; i++) {
      const f = sorted[i]!;
      if (filter.journeyType !== undefined && f.journeyType !== filter.journeyType) continue;
      if (filter.department !== undefined && !f.departments.includes(filter.department)) continue;
      if (filter.state !== undefined && journeyState(f) !== filter.state) continue;
      if (filter.breached !== undefined && (slaState(f, now) === 'breached') !== filter.breached) continue;
      items.push(toSummary(f, now));
    }
    const last = items[items.length - 1];
    const more = i < sorted.length && last !== undefined;
    return { items, nextCursor: more ? encodeCursor(Date.parse(last.startedAt), last.journeyId) : null };
  }

  handoffs(filter?: AnalyticsFilter & { clock?: Clock }): HandoffAnalytics {
    const { clock, ...rest } = filter ?? {};
    if (clock === 'business') {
      if (!this.calendars) throw new NoCalendarsError('no business calendars are configured (JOURNEY_CALENDARS)');
      return this.cached(`bhandoffs|${JSON.stringify(rest)}`, () => businessHandoffAnalytics(this.allFacts(), resolveFilter(rest)));
    }
    return this.cached(`handoffs|${JSON.stringify(rest)}`, () => handoffAnalytics(this.allFacts(), resolveFilter(rest)));
  }

  processMap(filter?: AnalyticsFilter): ProcessMap {
    return this.cached(`map|${JSON.stringify(filter ?? {})}`, () => processMap(this.allFacts(), resolveFilter(filter)));
  }

  /**
   * Workload at `now` (default: the wall clock — live data). A `now` before the newest
   * event seen is a look into the past: the journeys are taken as they stood then.
   */
  departments(filter?: AnalyticsFilter & { now?: string }): DepartmentWorkload[] {
    const { now: nowIso, ...rest } = filter ?? {};
    const now = nowIso === undefined ? this.clock() : parseInstant(nowIso);
    const facts = now < this.newestEventAt ? this.factsAsOf(now) : this.allFacts();
    return departmentWorkload(facts, resolveFilter(rest), now);
  }

  replay(instant: string, filter?: AnalyticsFilter): Replay {
    const at = parseInstant(instant);
    return this.cached(`replay|${at}|${JSON.stringify(filter ?? {})}`, () => {
      const r = resolveFilter(filter);
      const facts = [...this.factsAsOf(at)];
      let inProgress = 0;
      let completed = 0;
      let total = 0;
      for (const f of facts) {
        if (!matches(f, r)) continue;
        total++;
        if (f.completedAt === null) inProgress++;
        else completed++;
      }
      return {
        asOf: new Date(at).toISOString(),
        handoffs: handoffAnalytics(facts, r),
        processMap: processMap(facts, r),
        departments: departmentWorkload(facts, r, at),
        journeys: { total, inProgress, completed },
      };
    });
  }

  // ---- Inputs of the alerts and estimates (issue 15). Thin: the aggregates are computed by
  // the pure modules in alerts/ and estimate/ over the folds; the read store keeps them as rows.

  alertInputs(): AlertInputs {
    return alertInputsFromFacts(() => this.allFacts(), this.calendars);
  }

  private estimateCache: { at: number; revision: number; journeys: number; stats: EstimateStats } | undefined;

  /**
   * Rebuilt over all journeys at most every 30 s of the clock, or sooner while the events
   * grow by more than a tenth (a first load): per live batch it would cost a pass
   * over every journey each time an event arrives.
   */
  estimateStats(): EstimateStats {
    const now = this.clock();
    const c = this.estimateCache;
    const journeys = this.eventCount;
    if (c && (c.revision === this.revision || (now - c.at < 30_000 && journeys <= c.journeys * 1.1))) return c.stats;
    const stats = buildEstimateStats(this.allFacts(), this.calendars);
    this.estimateCache = { at: now, revision: this.revision, journeys, stats };
    return stats;
  }

  private estimateOf(f: JourneyFacts): Estimate | null {
    return f.completedAt === null ? estimateCompletion(f, this.estimateStats(), this.clock(), this.calendars) : null;
  }

  onChange(listener: (change: ReadModelChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

function encodeCursor(t: number, id: string): string {
  return Buffer.from(JSON.stringify([t, id]), 'utf8').toString('base64url');
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new InvalidCursorError('invalid cursor');
}

export function createReadModel(options?: ReadModelOptions): JourneyReadModel {
  return new JourneyReadModel(options);
}

/**
 * A customer status version is a function of the journey's state alone: its own distinct
 * events, twice, plus one once time alone has made an open journey late (on track → late is
 * the only change that needs no event). So it always grows, comes out the same after a
 * restart or on another instance (ETags and SSE ids stay valid), and says nothing about other
 * journeys (a global store position would tell a customer how busy the whole company is).
 */
function statusVersion(distinctEvents: number, status: Omit<CustomerStatus, 'version'>): number {
  const lateByTime = status.state !== 'completed' && status.onTrack === false ? 1 : 0;
  return distinctEvents * 2 + lateByTime;
}
