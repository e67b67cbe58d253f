import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * or however its cases are interleaved; the file is removed on close.
 */
export class ImportSpool {
  private readonly dir: string;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly journeys = new Map<string, number>();
  private pending = 0;
  count = 0;

  constructor(parentDir: string = tmpdir()) {
    this.dir = mkdtempSync(join(parentDir, 'journey-import-'));
    this.db = new Database(join(this.dir, 'spool.db'));
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
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
    this.insert.run(ord, json, groupless ? 1 : 0, resource ?? null);
    this.count++;
    if (++this.pending >= 10_000) {
      this.db.exec('COMMIT; BEGIN');
      this.pending = 0;
    }
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
    try {
      if (this.db.open) this.db.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
