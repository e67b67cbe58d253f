import type Database from 'better-sqlite3';
import { NO_NAME } from './schema.ts';

/**
 * Department, activity, type and actor names as small integers: rows and cells repeat a
 * few thousand names millions of times. All names are held in memory both ways; their
 * number grows with the organisation, not with the history.
 */
export class Names {
  private readonly byName = new Map<string, number>();
  private readonly byId = new Map<number, string>();
  private readonly insert: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    for (const row of db.prepare('SELECT id, name FROM names').all() as { id: number; name: string }[]) {
      this.byName.set(row.name, row.id);
      this.byId.set(row.id, row.name);
    }
    this.insert = db.prepare('INSERT INTO names (name) VALUES (?)');
  }

  /** The id of `name`, created if new (inside the caller's transaction). */
  id(name: string | undefined | null): number {
    if (name === undefined || name === null || name === '') return NO_NAME;
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    const id = Number(this.insert.run(name).lastInsertRowid);
    this.byName.set(name, id);
    this.byId.set(id, name);
    return id;
  }

  /** The id of `name` if it exists (queries never create names). */
  find(name: string): number | undefined {
    return name === '' ? NO_NAME : this.byName.get(name);
  }

  name(id: number): string {
    const n = this.byId.get(id);
    if (n === undefined) throw new Error(`read store: unknown name id ${id}`);
    return n;
  }

  /** After a rolled-back transaction: forget ids that were never committed. */
  reload(db: Database.Database): void {
    this.byName.clear();
    this.byId.clear();
    for (const row of db.prepare('SELECT id, name FROM names').all() as { id: number; name: string }[]) {
      this.byName.set(row.name, row.id);
      this.byId.set(row.id, row.name);
    }
  }
}
