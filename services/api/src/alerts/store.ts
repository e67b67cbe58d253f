import { randomUUID } from 'node:crypto';
import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { departmentSlug, type Alert, type AlertKind } from '@journeys/contracts';
import { reconcileAlerts, type AlertCandidate, type AlertChanges } from '@journeys/projections';

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
  open(): Alert[];
  /**
   * Meets an evaluation's candidates with the open alerts and writes the changes, in one
   * immediate transaction (several API processes may share the file: each change is made,
   * and announced, by one of them only). Returns the changed alerts as they now are.
   */
  record(candidates: readonly AlertCandidate[], now: number): { alert: Alert; change: AlertChange }[];
  /** Newest change first; `before` is the sequence of the last item of the previous page. */
  list(filter: AlertListFilter, page: { before?: number; limit: number }): Alert[];
  openCount(department: string, kind: AlertKind): number;
  close(): void;
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

function toAlert(r: Row): Alert {
  return {
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
    waitedSeconds: r.waited_seconds,
    thresholdSeconds: r.threshold_seconds,
    clock: r.clock as Alert['clock'],
    samples: r.samples,
    sequence: r.sequence,
  };
}

/** `path` ':memory:' keeps the alerts for the life of the process (tests, a throwaway read store). */
export function openAlertStore(path: string): AlertStore {
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
  `);
  let seq = (db.prepare('SELECT COALESCE(MAX(sequence), 0) AS s FROM alerts').get() as { s: number }).s;
  const insert = db.prepare(`INSERT INTO alerts (id, key, kind, state, severity, department, department_slug, journey_id, journey_type,
      from_dept, to_dept, since, opened_at, updated_at, resolved_at, waited_seconds, threshold_seconds, clock, samples, sequence)
    VALUES (@id, @key, @kind, 'open', @severity, @department, @slug, @journey_id, @journey_type,
      @from_dept, @to_dept, @since, @now, @now, NULL, @waited, @threshold, @clock, @samples, @sequence)`);
  const update = db.prepare(`UPDATE alerts SET severity = @severity, waited_seconds = @waited, threshold_seconds = @threshold,
    samples = @samples, updated_at = @now, sequence = COALESCE(@sequence, sequence) WHERE id = @id`);
  const resolve = db.prepare(
    `UPDATE alerts SET state = 'resolved', resolved_at = @now, updated_at = @now, sequence = @sequence WHERE id = @id AND state = 'open'`,
  );
  const byId = db.prepare('SELECT * FROM alerts WHERE id = ?');
  const openRows = db.prepare(`SELECT * FROM alerts WHERE state = 'open'`);
  const countOpen = db.prepare(`SELECT COUNT(*) AS n FROM alerts WHERE state = 'open' AND department = ? AND kind = ?`);
  const fields = (c: AlertCandidate) => ({
    severity: c.severity,
    waited: c.waitedSeconds,
    threshold: c.thresholdSeconds,
    samples: c.samples,
  });

  const apply = (changes: AlertChanges, now: number) => {
    const out: { id: string; change: AlertChange }[] = [];
    for (const c of changes.opened) {
      const id = randomUUID();
      insert.run({
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
        sequence: ++seq,
      });
      out.push({ id, change: 'opened' });
    }
    for (const { id, candidate } of changes.escalated) {
      update.run({ id, now, ...fields(candidate), sequence: ++seq });
      out.push({ id, change: 'escalated' });
    }
    // Updated figures keep their sequence: a wait that grows is not news.
    for (const { id, candidate } of changes.updated) update.run({ id, now, ...fields(candidate), sequence: null });
    for (const { id } of changes.resolved) {
      resolve.run({ id, now, sequence: ++seq });
      out.push({ id, change: 'resolved' });
    }
    return out;
  };
  const record = db.transaction((candidates: readonly AlertCandidate[], now: number) =>
    apply(reconcileAlerts((openRows.all() as Row[]).map(toAlert), candidates), now).map(({ id, change }) => ({
      alert: toAlert(byId.get(id) as Row),
      change,
    })),
  );

  return {
    open: () => (openRows.all() as Row[]).map(toAlert),
    record: (candidates, now) => record.immediate(candidates, now),
    list(filter, page) {
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
      return (db.prepare(sql).all(params) as Row[]).map(toAlert);
    },
    openCount: (department, kind) => (countOpen.get(department, kind) as { n: number }).n,
    close: () => db.close(),
  };
}
