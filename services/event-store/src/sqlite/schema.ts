import type Database from 'better-sqlite3';
import { GENESIS_HASH } from '../chain.ts';

export const STORE_FORMAT = 'journeys-sqlite-1';

/**
 * One row per event. Envelope fields are columns so the audit queries (journeyId,
 * department, type, occurredAt range, cursor by position) run on indexes; the payload
 * stays JSON text. `occurred_ms` is derived from `occurred_at` (offsets make the ISO
 * text unsortable) and re-checked by verify(). `position` is the rowid, assigned from the
 * chain head inside the write transaction, never reused: gap-free, or with random gaps when
 * the file was created with sparse positions (`store_meta` key `positions`).
 *
 * `chain_head` is written in the same transaction as the rows: it remembers the last
 * position and link, so deleting the last rows is detected as well.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position       INTEGER PRIMARY KEY,
  stream         TEXT    NOT NULL,
  revision       INTEGER NOT NULL,
  id             TEXT    NOT NULL,
  type           TEXT    NOT NULL,
  journey_id     TEXT    NOT NULL,
  department     TEXT    NOT NULL,
  occurred_at    TEXT    NOT NULL,
  occurred_ms    INTEGER NOT NULL,
  recorded_at    TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  actor          TEXT,
  correlation_id TEXT,
  causation_id   TEXT,
  data           TEXT    NOT NULL,
  hash           TEXT    NOT NULL
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events(id);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events(stream, revision);
CREATE INDEX IF NOT EXISTS events_journey ON events(journey_id, position);
CREATE INDEX IF NOT EXISTS events_department ON events(department, position);
CREATE INDEX IF NOT EXISTS events_type ON events(type, position);
CREATE INDEX IF NOT EXISTS events_occurred ON events(occurred_ms, position);
CREATE TABLE IF NOT EXISTS chain_head (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  position  INTEGER NOT NULL,
  hash      TEXT    NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS store_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`;

export const COLUMNS =
  'position, stream, revision, id, type, journey_id, department, occurred_at, occurred_ms, recorded_at, schema_version, actor, correlation_id, causation_id, data, hash';

export interface EventRow {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  journey_id: string;
  department: string;
  occurred_at: string;
  occurred_ms: number;
  recorded_at: string;
  schema_version: number;
  actor: string | null;
  correlation_id: string | null;
  causation_id: string | null;
  data: string;
  hash: string;
}

/** A row as better-sqlite3 returns it in raw mode (arrays are ~40% cheaper than row objects), in COLUMNS order. */
export type EventTuple = [
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  journeyId: string,
  department: string,
  occurredAt: string,
  occurredMs: number,
  recordedAt: string,
  schemaVersion: number,
  actor: string | null,
  correlationId: string | null,
  causationId: string | null,
  data: string,
  hash: string,
];

export type Synchronous = 'normal' | 'full';

/**
 * WAL lets readers (subscriptions, the API, another process) run while one writer
 * appends. synchronous=NORMAL in WAL mode writes each commit to the WAL before
 * append() returns, so an acknowledged event survives a SIGKILL of the process (the
 * bytes are in the OS); only an OS crash or power cut can lose the last commits
 * (never corrupt the file). `full` also fsyncs each commit, for power-cut durability.
 */
export function openSchema(db: Database.Database, synchronous: Synchronous, busyTimeoutMs: number, sparse: boolean): { sparse: boolean } {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal' && db.name !== ':memory:') throw new Error(`could not switch ${db.name} to WAL (journal_mode is ${String(mode)})`);
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = OFF');
  // Creating the schema takes the write lock so two processes opening a new file at once agree.
  return db.transaction(() => {
    db.exec(SCHEMA);
    db.prepare('INSERT OR IGNORE INTO chain_head (singleton, position, hash) VALUES (1, 0, ?)').run(GENESIS_HASH);
    const format = db.prepare("SELECT value FROM store_meta WHERE key = 'format'").get() as { value: string } | undefined;
    if (!format) db.prepare("INSERT INTO store_meta (key, value) VALUES ('format', ?)").run(STORE_FORMAT);
    else if (format.value !== STORE_FORMAT) throw new Error(`${db.name} has store format ${format.value}; this code reads ${STORE_FORMAT}`);
    // The file keeps the mode it was created with; a file from before the key is dense.
    const used = (db.prepare('SELECT EXISTS (SELECT 1 FROM events)').pluck().get() as number) === 1;
    db.prepare("INSERT OR IGNORE INTO store_meta (key, value) VALUES ('positions', ?)").run(sparse && !used ? 'sparse' : 'dense');
    const mode = db.prepare("SELECT value FROM store_meta WHERE key = 'positions'").pluck().get() as string;
    return { sparse: mode === 'sparse' };
  }).immediate();
}
