import { randomUUID } from 'node:crypto';
import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { departmentSlug, type Alert, type AlertKind } from '@journeys/contracts';
import { reconcileAlerts, type AlertCandidate, type AlertChanges, type CalendarSet, type OpenAlertKey } from '@journeys/projections';

/**
 * Durable alerts: one SQLite file of their own (JOURNEY_ALERTS_DB, default beside the store),
 * written through one transaction per evaluation so a crash never leaves half an evaluation.
 * `sequence` grows on every change and is the cursor of GET /api/alerts.
 */
export interface AlertListFilter {
  state?: 'open' | 'resolved';
  kind?: AlertKind;
  department?: string;
  journeyId?: string;
  /** Only alerts whose department has this slug (a department token's own). */
  departmentSlug?: string;
}

export type AlertChange = 'opened' | 'escalated' | 'resolved';

export interface AlertStore {
  open(now?: number): Alert[];
  /** The open alerts' keys and severities: what an evaluation is reconciled with. */
  openKeys(): OpenAlertKey[];
  /** The same in pages, in sequence order after `after` (0: from the start). */
  openKeysPage(after: number, limit: number): (OpenAlertKey & { sequence: number })[];
  /**
   * Writes an evaluation's changes in one immediate transaction. Each write is conditional on
   * the row as it is then: several API processes may share the file, and the changes were
   * reconciled before the lock was taken, so a key another process opened meanwhile is not
   * opened twice and an alert it resolved is not resolved (nor announced) again. Returns the
   * changes made, with the alerts as they now are.
   */
  apply(changes: AlertChanges, now: number): { alert: Alert; change: AlertChange }[];
  /** Reconciles a whole evaluation with the open alerts and applies it, in one transaction. */
  record(candidates: Iterable<AlertCandidate>, now: number): { alert: Alert; change: AlertChange }[];
  /**
   * Newest change first; `before` is the sequence of the last item of the previous page.
   * An open alert's `waitedSeconds` is counted to `now` (default: the wall clock).
   */
  list(filter: AlertListFilter, page: { before?: number; limit: number }, now?: number): Alert[];
  openCount(department: string, kind: AlertKind): number;
  close(): void;
}

export interface AlertStoreOptions {
  /** The calendars of the business clock: an open `clock: 'business'` alert's wait is counted in its receiver's hours. */
  calendars?: CalendarSet;
}

interface Row {
  id: string;
  key: string;
  kind: string;
  state: string;
  severity: string;
  department: string;
  journey_id: string;
  journey_type: string | null;
  from_dept: string | null;
  to_dept: string | null;
  since: number;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
  waited_seconds: number;
  threshold_seconds: number;
  clock: string;
  samples: number | null;
  sequence: number;
}

const iso = (t: number) => new Date(t).toISOString();

/** `path` ':memory:' keeps the alerts for the life of the process (tests, a throwaway read store). */
export function openAlertStore(path: string, options: AlertStoreOptions = {}): AlertStore {
  const db = new Database(path);
  if (path !== ':memory:') {
    // Journey ids and department names: the same care as the store's own files.
    chmodSync(path, 0o600);
    db.pragma('journal_mode = WAL');
  }
  db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS alerts (
      id TEXT PRIMARY KEY, key TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, severity TEXT NOT NULL,
      department TEXT NOT NULL, department_slug TEXT NOT NULL, journey_id TEXT NOT NULL, journey_type TEXT,
      from_dept TEXT, to_dept TEXT, since INTEGER NOT NULL, opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
      resolved_at INTEGER, waited_seconds REAL NOT NULL, threshold_seconds REAL NOT NULL, clock TEXT NOT NULL,
      samples INTEGER, sequence INTEGER NOT NULL UNIQUE
    );
    CREATE UNIQUE INDEX IF NOT EXISTS alerts_open_key ON alerts(key) WHERE state = 'open';
    CREATE INDEX IF NOT EXISTS alerts_dept ON alerts(department, kind, state);
    CREATE INDEX IF NOT EXISTS alerts_slug ON alerts(department_slug, sequence);
    -- The open alerts only, covering what a reconciliation reads: resolved alerts pile up
    -- for as long as the file is kept, an evaluation must not walk past them.
    CREATE INDEX IF NOT EXISTS alerts_open_keys ON alerts(sequence, id, key, severity) WHERE state = 'open';
  `);

  // A wait is a figure of the moment it is read. The row keeps the wait of its last change
  // (opened, escalated, resolved); an open alert's is counted to now when it is read, so a
  // backlog that keeps waiting costs no write per evaluation.
  const waitedAt = (r: Pick<Row, 'clock' | 'since' | 'to_dept' | 'department'>, now: number): number =>
    (r.clock === 'business' && options.calendars ? options.calendars.of(r.to_dept ?? r.department).ms(r.since, now) : now - r.since) /
    1000;
  const toAlert = (r: Row, now: number): Alert => ({
    id: r.id,
    key: r.key,
    kind: r.kind as Alert['kind'],
    state: r.state as Alert['state'],
    severity: r.severity as Alert['severity'],
    department: r.department,
    journeyId: r.journey_id,
    journeyType: r.journey_type,
    from: r.from_dept,
    to: r.to_dept,
    since: iso(r.since),
    openedAt: iso(r.opened_at),
    updatedAt: iso(r.updated_at),
    resolvedAt: r.resolved_at === null ? null : iso(r.resolved_at),
    waitedSeconds: r.state === 'open' ? Math.max(r.waited_seconds, waitedAt(r, now)) : r.waited_seconds,
    thresholdSeconds: r.threshold_seconds,
    clock: r.clock as Alert['clock'],
    samples: r.samples,
    sequence: r.sequence,
  });

  const maxSequence = db.prepare('SELECT COALESCE(MAX(sequence), 0) AS s FROM alerts');
  let seq = (maxSequence.get() as { s: number }).s;
  // OR IGNORE: the partial unique index refuses a second open alert of a key that another
  // process opened after this one reconciled.
  const insert = db.prepare(`INSERT OR IGNORE INTO alerts (id, key, kind, state, severity, department, department_slug, journey_id, journey_type,
      from_dept, to_dept, since, opened_at, updated_at, resolved_at, waited_seconds, threshold_seconds, clock, samples, sequence)
    VALUES (@id, @key, @kind, 'open', @severity, @department, @slug, @journey_id, @journey_type,
      @from_dept, @to_dept, @since, @now, @now, NULL, @waited, @threshold, @clock, @samples, @sequence)`);
  const escalate = db.prepare(`UPDATE alerts SET severity = @severity, waited_seconds = @waited, threshold_seconds = @threshold,
    samples = @samples, updated_at = @now, sequence = @sequence WHERE id = @id AND state = 'open' AND severity = 'warning'`);
  const resolve = db.prepare(`UPDATE alerts SET state = 'resolved', resolved_at = @now, updated_at = @now,
    waited_seconds = MAX(waited_seconds, @waited), sequence = @sequence WHERE id = @id AND state = 'open'`);
  const byId = db.prepare('SELECT * FROM alerts WHERE id = ?');
  const openRows = db.prepare(`SELECT * FROM alerts WHERE state = 'open'`);
  const openKeyRows = db.prepare(`SELECT id, key, severity FROM alerts WHERE state = 'open'`);
  const openKeyPage = db.prepare(
    `SELECT sequence, id, key, severity FROM alerts WHERE state = 'open' AND sequence > ? ORDER BY sequence LIMIT ?`,
  );
  const countOpen = db.prepare(`SELECT COUNT(*) AS n FROM alerts WHERE state = 'open' AND department = ? AND kind = ?`);
  const fields = (c: AlertCandidate) => ({
    severity: c.severity,
    waited: c.waitedSeconds,
    threshold: c.thresholdSeconds,
    samples: c.samples,
  });

  const write = (changes: AlertChanges, now: number) => {
    // Another process sharing the file may have written since this one read the sequence.
    seq = Math.max(seq, (maxSequence.get() as { s: number }).s);
    const out: { alert: Alert; change: AlertChange }[] = [];
    const changed = (id: string, change: AlertChange) => out.push({ alert: toAlert(byId.get(id) as Row, now), change });
    for (const c of changes.opened) {
      const id = randomUUID();
      const r = insert.run({
        id,
        key: c.key,
        kind: c.kind,
        department: c.department,
        slug: departmentSlug(c.department),
        journey_id: c.journeyId,
        journey_type: c.journeyType,
        from_dept: c.from,
        to_dept: c.to,
        since: c.since,
        now,
        ...fields(c),
        clock: c.clock,
        sequence: seq + 1,
      });
      if (r.changes === 0) continue;
      seq++;
      changed(id, 'opened');
    }
    for (const { id, candidate } of changes.escalated) {
      if (escalate.run({ id, now, ...fields(candidate), sequence: seq + 1 }).changes === 0) continue;
      seq++;
      changed(id, 'escalated');
    }
    for (const { id } of changes.resolved) {
      const row = byId.get(id) as Row | undefined;
      if (row?.state !== 'open') continue;
      resolve.run({ id, now, waited: waitedAt(row, now), sequence: ++seq });
      changed(id, 'resolved');
    }
    return out;
  };
  const apply = db.transaction(write);
  const record = db.transaction((candidates: Iterable<AlertCandidate>, now: number) =>
    write(reconcileAlerts(openKeyRows.all() as OpenAlertKey[], candidates), now),
  );

  return {
    open: (now = Date.now()) => (openRows.all() as Row[]).map((r) => toAlert(r, now)),
    openKeys: () => openKeyRows.all() as OpenAlertKey[],
    openKeysPage: (after, limit) => openKeyPage.all(after, limit) as (OpenAlertKey & { sequence: number })[],
    apply: (changes, now) => apply.immediate(changes, now),
    record: (candidates, now) => record.immediate(candidates, now),
    list(filter, page, now = Date.now()) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: page.limit };
      const add = (clause: string, name: string, value: unknown) => {
        if (value === undefined) return;
        where.push(clause);
        params[name] = value;
      };
      add('state = @state', 'state', filter.state);
      add('kind = @kind', 'kind', filter.kind);
      add('department = @department', 'department', filter.department);
      add('department_slug = @slug', 'slug', filter.departmentSlug);
      add('journey_id = @journeyId', 'journeyId', filter.journeyId);
      add('sequence < @before', 'before', page.before);
      const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sequence DESC LIMIT @limit`;
      return (db.prepare(sql).all(params) as Row[]).map((r) => toAlert(r, now));
    },
    openCount: (department, kind) => (countOpen.get(department, kind) as { n: number }).n,
    close: () => db.close(),
  };
}
