import Database from 'better-sqlite3';

export interface SpoolEntry {
  journeyId: string;
  /** The validated event, serialised. */
  json: string;
  groupless: boolean;
  resource: string | null;
}

/**
 * A temporary SQLite file holding every validated event of a log before anything is appended
 * (what makes an import all-or-nothing for a bad file), grouped by journey in first-seen
 * order and kept in file order within a journey. Memory stays flat whatever the log's size
 * or however its cases are interleaved.
 *
 * It is SQLite's anonymous temporary database (16 MiB of cache, the rest in a file SQLite
 * unlinks as soon as it has opened it, in SQLITE_TMPDIR or TMPDIR or /var/tmp), so it leaves
 * nothing behind on any exit path: an exception, a Ctrl-C, or a SIGKILL half-way through a
 * 600 MB spool. The rows may hold personal data; they are reachable only through this
 * process's descriptor.
 */
export class ImportSpool {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly journeys = new Map<string, number>();
  private readonly perJourney: number[] = [];
  private pending = 0;
  count = 0;

  constructor() {
    // '' is SQLite's anonymous on-disk database: pages past the cache spill to a temp file
    // that SQLite unlinks the moment it opens it, so nothing is ever left behind.
    this.db = new Database('');
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -16384');
    this.db.exec('CREATE TABLE spool (seq INTEGER PRIMARY KEY, journey INTEGER NOT NULL, json TEXT NOT NULL, groupless INTEGER NOT NULL, resource TEXT)');
    this.insert = this.db.prepare('INSERT INTO spool (journey, json, groupless, resource) VALUES (?, ?, ?, ?)');
    this.db.exec('BEGIN');
  }

  get journeyCount(): number {
    return this.journeys.size;
  }

  add(journeyId: string, json: string, groupless: boolean, resource: string | undefined): void {
    let ord = this.journeys.get(journeyId);
    if (ord === undefined) {
      ord = this.journeys.size;
      this.journeys.set(journeyId, ord);
    }
    this.perJourney[ord] = (this.perJourney[ord] ?? 0) + 1;
    this.insert.run(ord, json, groupless ? 1 : 0, resource ?? null);
    this.count++;
    if (++this.pending >= 10_000) {
      this.db.exec('COMMIT; BEGIN');
      this.pending = 0;
    }
  }

  /** Events spooled so far for this journey. */
  eventsOf(journeyId: string): number {
    const ord = this.journeys.get(journeyId);
    return ord === undefined ? 0 : (this.perJourney[ord] ?? 0);
  }

  /** Entries journey by journey (first-seen order), each journey's in file order. */
  *entries(): Generator<SpoolEntry> {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.exec('CREATE INDEX IF NOT EXISTS by_journey ON spool (journey, seq)');
    const names = new Array<string>(this.journeys.size);
    for (const [name, ord] of this.journeys) names[ord] = name;
    const rows = this.db.prepare('SELECT journey, json, groupless, resource FROM spool ORDER BY journey, seq').raw().iterate() as IterableIterator<
      [number, string, number, string | null]
    >;
    for (const [journey, json, groupless, resource] of rows) {
      yield { journeyId: names[journey]!, json, groupless: groupless === 1, resource };
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
