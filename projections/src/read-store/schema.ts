import type Database from 'better-sqlite3';

/**
 * The read store's tables. SCHEMA_VERSION changes with the tables; FOLD_VERSION with the
 * figures (the fold, the contributions): a store built by another fold version is rebuilt
 * beside the live one and swapped in when caught up (see rebuild.ts), never served as if
 * it were current.
 */
export const SCHEMA_VERSION = 3;
export const FOLD_VERSION = 4;

/** Name id 1 is the empty name: "no journey type" (an imported trace), "no second key". */
export const NO_NAME = 1;

/**
 * Indexes only the queries use: a bulk load (a rebuild into a fresh file) creates them once
 * at the end instead of maintaining them row by row.
 */
const QUERY_INDEXES = `
  CREATE INDEX IF NOT EXISTS journeys_newest ON journeys (started_at DESC, journey_id);
  CREATE INDEX IF NOT EXISTS journeys_type_newest ON journeys (jt, started_at DESC, journey_id);
  CREATE INDEX IF NOT EXISTS journeys_open ON journeys (state, started_at DESC, journey_id);
  CREATE INDEX IF NOT EXISTS here_dept ON here (kind, dept, since, journey_id);
  CREATE INDEX IF NOT EXISTS here_type_dept ON here (kind, jt, dept, since, journey_id);
  CREATE INDEX IF NOT EXISTS here_due ON here (promised_by);
  CREATE INDEX IF NOT EXISTS here_risk ON here (risk_from);
`;

export function createQueryIndexes(db: Database.Database): void {
  db.exec(QUERY_INDEXES);
}

export function createSchema(db: Database.Database, options: { deferIndexes?: boolean } = {}): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    INSERT OR IGNORE INTO names (id, name) VALUES (${NO_NAME}, '');

    -- One row per journey: its events (compact, deduplicated, in timeline order) and the
    -- columns the list filters on. A timeline, a summary or a customer status is the fold
    -- of one row's events (tens of microseconds), so no derived copy can go stale.
    CREATE TABLE IF NOT EXISTS journeys (
      jid INTEGER PRIMARY KEY,
      journey_id TEXT NOT NULL UNIQUE,
      jt INTEGER NOT NULL,
      state INTEGER NOT NULL,
      started_at INTEGER NOT NULL,
      last_event_at INTEGER NOT NULL,
      completed_at INTEGER,
      promised_by INTEGER,
      event_count INTEGER NOT NULL,
      -- Where the case is (a name id; NULL: nowhere known) and the last time the customer
      -- heard from us (last CustomerNotified, else the start): the live alerts read these.
      cur_dept INTEGER,
      last_contact_at INTEGER NOT NULL,
      events TEXT NOT NULL
    );

    CREATE TABLE IF NOT EXISTS journey_departments (
      dept INTEGER NOT NULL, started_at INTEGER NOT NULL, journey_id TEXT NOT NULL,
      PRIMARY KEY (dept, started_at DESC, journey_id)
    ) WITHOUT ROWID;

    -- The journey map's selections (map-selection.ts), each a keyset range newest first like
    -- the department list: the journey's variant (variantId of its department path), and
    -- the handoffs it made, each (from, to) once, also as (from, 0) and (0, to) so that
    -- either end alone is one range too (name ids start at 1).
    CREATE TABLE IF NOT EXISTS journey_variants (
      variant TEXT NOT NULL, started_at INTEGER NOT NULL, journey_id TEXT NOT NULL,
      PRIMARY KEY (variant, started_at DESC, journey_id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS journey_handoffs (
      from_dept INTEGER NOT NULL, to_dept INTEGER NOT NULL, started_at INTEGER NOT NULL, journey_id TEXT NOT NULL,
      PRIMARY KEY (from_dept, to_dept, started_at DESC, journey_id)
    ) WITHOUT ROWID;

    -- Each journey's span in time (open journeys reach "for ever"): the replay's
    -- "journeys active at that instant" is a stabbing query, not a scan.
    CREATE VIRTUAL TABLE IF NOT EXISTS journey_spans USING rtree(jid, t0, t1);

    -- Where every open journey is now: one row per open step (kind 0), its queue
    -- (kind 1), its wait on the customer (kind 2). Grows with the work in progress.
    CREATE TABLE IF NOT EXISTS here (
      journey_id TEXT NOT NULL, dept INTEGER NOT NULL, kind INTEGER NOT NULL, since INTEGER NOT NULL,
      jt INTEGER NOT NULL, started_at INTEGER NOT NULL, promised_by INTEGER, risk_from INTEGER
    );
    CREATE INDEX IF NOT EXISTS here_journey ON here (journey_id);

    -- Explicit handoffs requested and not yet picked up, in open journeys: what the live
    -- silo alerts watch. Grows with the work in progress too.
    CREATE TABLE IF NOT EXISTS waiting (
      journey_id TEXT NOT NULL, jt INTEGER NOT NULL, from_dept INTEGER NOT NULL, to_dept INTEGER NOT NULL, requested_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS waiting_journey ON waiting (journey_id);

    -- The aggregates: per kind, key (a, b), journey type, and level (0: all time,
    -- 1: a UTC month, 2: a UTC day), the count and, for durations, a distribution.
    CREATE TABLE IF NOT EXISTS cells (
      kind INTEGER NOT NULL, level INTEGER NOT NULL, jt INTEGER NOT NULL, bucket INTEGER NOT NULL,
      a INTEGER NOT NULL, b INTEGER NOT NULL, n INTEGER NOT NULL, dist BLOB,
      PRIMARY KEY (kind, level, jt, bucket, a, b)
    ) WITHOUT ROWID;

    -- Journeys changed per batch, for processes that read this store without writing it.
    CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, journey_id TEXT NOT NULL, position TEXT NOT NULL);
  `);
  if (!options.deferIndexes) createQueryIndexes(db);
}
