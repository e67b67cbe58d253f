import type Database from 'better-sqlite3';
import type { JourneySummary } from '@journeys/contracts';
import { foldJourney, type FoldOptions } from '../journey-fold.ts';
import type { JourneyPage, JourneySelection } from '../queries.ts';
import { toSummary } from '../views.ts';
import { decodeEvents } from './event-codec.ts';
import { decodeCursor, encodeCursor } from './journey-queries.ts';
import type { Names } from './names.ts';

/**
 * JourneyQueries.selectJourneys from the membership tables (selection.ts is the reference):
 * one of them drives the page as a keyset range newest first — the variant, else the
 * handoff, else the department, else the journeys of a type — and the other fields are
 * point lookups on their tables' keys, so a page reads the rows it shows plus those of the
 * driving range it skips. `activeAt` drives from the span index instead: the journeys
 * active at that instant, as many as the work in progress then, sorted by SQLite.
 *
 * The cursor is the last item's (start, id), as the list's; unlike the fold, a page that
 * ends exactly on the last match says so (no cursor to an empty page).
 */
interface Row {
  journey_id: string;
  started_at: number;
  events: string;
}


export class MapSelection {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly names: Names,
    private readonly fold: FoldOptions,
  ) {}

  page(s: JourneySelection, page: { cursor?: string; limit: number }, now: number): JourneyPage {
    const limit = Math.max(1, Math.floor(page.limit));
    const empty: JourneyPage = { items: [], nextCursor: null };
    const id = (name: string | undefined): number | undefined | null => (name === undefined ? undefined : (this.names.find(name) ?? null));
    const jt = id(s.journeyType);
    const dept = id(s.department);
    const from = id(s.handoffFrom);
    const to = id(s.handoffTo);
    if (jt === null || dept === null || from === null || to === null) return empty;
    const handoff = from !== undefined || to !== undefined ? [from ?? 0, to ?? 0] : undefined;
    const at = s.activeAt === undefined ? NaN : Date.parse(s.activeAt);

    // The driving table: its alias, FROM clause and the columns the order and cursor use.
    let drive: { from: string; where: string[]; params: unknown[]; t: string; id: string };
    const joined = (table: string, alias: string, where: string, params: unknown[]) => ({
      from: `${table} ${alias} CROSS JOIN journeys j ON j.journey_id = ${alias}.journey_id`,
      where: [where],
      params,
      t: `${alias}.started_at`,
      id: `${alias}.journey_id`,
    });
    let used: 'variant' | 'handoff' | 'department' | 'active' | null = null;
    if (!Number.isNaN(at)) {
      // The span index gives a superset (its float bounds are widened); the row decides.
      drive = {
        from: 'journey_spans sp CROSS JOIN journeys j ON j.jid = sp.jid',
        where: ['sp.t0 <= ? AND sp.t1 >= ?', 'j.started_at <= ?', '(j.completed_at IS NULL OR j.completed_at > ?)'],
        params: [at, at, at, at],
        t: 'j.started_at',
        id: 'j.journey_id',
      };
      used = 'active';
    } else if (s.variant !== undefined) {
      drive = joined('journey_variants', 'v', 'v.variant = ?', [s.variant]);
      used = 'variant';
    } else if (handoff) {
      drive = joined('journey_handoffs', 'h', 'h.from_dept = ? AND h.to_dept = ?', handoff);
      used = 'handoff';
    } else if (dept !== undefined) {
      drive = joined('journey_departments', 'd', 'd.dept = ?', [dept]);
      used = 'department';
    } else {
      drive = { from: 'journeys j', where: [], params: [], t: 'j.started_at', id: 'j.journey_id' };
    }
    const where = [...drive.where];
    const params = [...drive.params];
    if (jt !== undefined) {
      where.push('j.jt = ?');
      params.push(jt);
    }
    // The other fields: one primary-key lookup each, on the journey's (start, id).
    const member = (table: string, cond: string, args: unknown[]) => {
      where.push(`EXISTS (SELECT 1 FROM ${table} m WHERE ${cond} AND m.started_at = j.started_at AND m.journey_id = j.journey_id)`);
      params.push(...args);
    };
    if (s.variant !== undefined && used !== 'variant') member('journey_variants', 'm.variant = ?', [s.variant]);
    if (handoff && used !== 'handoff') member('journey_handoffs', 'm.from_dept = ? AND m.to_dept = ?', handoff);
    if (dept !== undefined && used !== 'department') member('journey_departments', 'm.dept = ?', [dept]);
    if (page.cursor) {
      const [t, last] = decodeCursor(page.cursor);
      where.push(`(${drive.t} < ? OR (${drive.t} = ? AND ${drive.id} > ?))`);
      params.push(t, t, last);
    }
    const sql = `SELECT j.journey_id, j.started_at, j.events FROM ${drive.from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${drive.t} DESC, ${drive.id} ASC LIMIT ?`;
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size > 64) this.statements.clear();
      this.statements.set(sql, (stmt = this.db.prepare(sql)));
    }
    const rows = stmt.all(...params, limit + 1) as Row[];
    const items: JourneySummary[] = rows.slice(0, limit).map((r) => toSummary(foldJourney(r.journey_id, decodeEvents(r.events, this.names), this.fold), now));
    const lastRow = rows[limit - 1];
    return { items, nextCursor: rows.length > limit && lastRow ? encodeCursor(lastRow.started_at, lastRow.journey_id) : null };
  }
}
