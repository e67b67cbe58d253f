import type Database from 'better-sqlite3';
import type { CustomerStatus, JourneySummary, JourneyTimeline } from '@journeys/contracts';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import type { Estimate, EstimateStats } from '../estimate/estimate.ts';
import { estimateCompletion } from '../estimate/estimate.ts';
import { foldJourney, type FoldOptions, type JourneyFacts } from '../journey-fold.ts';
import type { JourneyListFilter, JourneyPage } from '../queries.ts';
import { toSummary, toTimeline } from '../views.ts';
import { decodeEvents } from './event-codec.ts';
import { STATE_CODE, statusOf } from './journey-rows.ts';
import type { Names } from './names.ts';

/** The per-journey reads: one indexed row each, or one keyset page of the list. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

export function encodeCursor(t: number, id: string): string {
  return Buffer.from(JSON.stringify([t, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): [number, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new InvalidCursorError('invalid cursor');
}

interface ListRow {
  journey_id: string;
  started_at: number;
  events: string;
}

export class JourneyReads {
  private readonly byId: Database.Statement;
  private readonly statements = new Map<string, Database.Statement>();

  private readonly fold: FoldOptions;

  constructor(
    private readonly db: Database.Database,
    private readonly names: Names,
    private readonly calendars: CalendarSet | undefined,
    /** The live estimate statistics (cells, cached per checkpoint). */
    private readonly estimates: () => EstimateStats,
  ) {
    this.byId = db.prepare('SELECT events FROM journeys WHERE journey_id = ?');
    this.fold = calendars ? { calendars } : {};
  }

  private estimateOf(f: JourneyFacts, now: number): Estimate | null {
    return f.completedAt === null ? estimateCompletion(f, this.estimates(), now, this.calendars) : null;
  }

  timeline(journeyId: string, now: number): JourneyTimeline | undefined {
    const row = this.byId.get(journeyId) as { events: string } | undefined;
    if (!row) return undefined;
    const events = decodeEvents(row.events, this.names);
    const f = foldJourney(journeyId, events, this.fold);
    const estimate = this.estimateOf(f, now);
    return toTimeline(f, events, now, this.calendars, estimate && { ...estimate, clock: this.estimates().clock });
  }

  customerStatus(journeyId: string, now: number): CustomerStatus | undefined {
    const row = this.byId.get(journeyId) as { events: string } | undefined;
    if (!row) return undefined;
    const f = foldJourney(journeyId, decodeEvents(row.events, this.names), this.fold);
    return statusOf(f, now, this.estimateOf(f, now));
  }

  /** Newest first, by (startedAt desc, journeyId asc); the cursor is the last item's pair. */
  list(filter: JourneyListFilter, page: { cursor?: string; limit: number }, now: number): JourneyPage {
    const limit = Math.max(1, Math.floor(page.limit));
    const where: string[] = [];
    const params: unknown[] = [];
    let from = 'journeys j';
    let order = 'j.started_at DESC, j.journey_id ASC';
    let startCol = 'j.started_at';
    let idCol = 'j.journey_id';
    if (filter.department !== undefined) {
      const dept = this.names.find(filter.department);
      if (dept === undefined) return { items: [], nextCursor: null };
      from = 'journey_departments d JOIN journeys j ON j.journey_id = d.journey_id';
      where.push('d.dept = ?');
      params.push(dept);
      order = 'd.started_at DESC, d.journey_id ASC';
      startCol = 'd.started_at';
      idCol = 'd.journey_id';
    }
    if (filter.journeyType !== undefined) {
      const jt = this.names.find(filter.journeyType);
      if (jt === undefined) return { items: [], nextCursor: null };
      where.push('j.jt = ?');
      params.push(jt);
    }
    if (filter.state !== undefined) {
      where.push('j.state = ?');
      params.push(STATE_CODE[filter.state]);
    }
    if (filter.breached !== undefined) {
      const breached =
        'j.promised_by IS NOT NULL AND ((j.completed_at IS NOT NULL AND j.completed_at > j.promised_by) OR (j.completed_at IS NULL AND ? > j.promised_by))';
      where.push(filter.breached ? `(${breached})` : `NOT (${breached})`);
      params.push(now);
    }
    if (page.cursor) {
      const [t, id] = decodeCursor(page.cursor);
      where.push(`(${startCol} < ? OR (${startCol} = ? AND ${idCol} > ?))`);
      params.push(t, t, id);
    }
    const sql = `SELECT j.journey_id, j.started_at, j.events FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size > 64) this.statements.clear();
      this.statements.set(sql, (stmt = this.db.prepare(sql)));
    }
    const rows = stmt.all(...params, limit + 1) as ListRow[];
    const more = rows.length > limit;
    const items: JourneySummary[] = rows.slice(0, limit).map((r) => toSummary(foldJourney(r.journey_id, decodeEvents(r.events, this.names), this.fold), now));
    const last = rows[limit - 1];
    return { items, nextCursor: more && last ? encodeCursor(last.started_at, last.journey_id) : null };
  }
}
