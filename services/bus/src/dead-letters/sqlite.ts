import Database from 'better-sqlite3';
import { dlqSubject } from '@journeys/contracts';
import type { DeadLetter, DeadLetterInput } from '../bus.ts';
import { buildDeadLetter, erasedLetter, isPendingReplay, mentionsOf, slugFilter, type DeadLetterBody } from './build.ts';
import type { DeadLetterPage, DeadLetterQuery, DeadLetterStore, ReplayRecord } from './port.ts';

export interface SqliteDeadLetterOptions {
  /** The SQLite file: the embedded event store's own file (its own table, its own connection). */
  path: string;
  busyTimeoutMs?: number;
}

interface Row {
  seq: number;
  body: string;
  replayed: string | null;
}

/**
 * Dead letters of the in-process bus, in table `journey_dead_letters` of the embedded
 * store's file: they survive a restart and travel with the store's file (backups included).
 * A connection of its own in WAL mode, so it never takes part in the store's transactions.
 */
export function openSqliteDeadLetters(options: SqliteDeadLetterOptions): DeadLetterStore {
  const db = new Database(options.path);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // A re-drive record or an erasure rewrites a letter: its old bytes are zeroed as they are
  // freed, so an erased payload leaves no copy in free space.
  db.pragma('secure_delete = ON');
  db.exec(`CREATE TABLE IF NOT EXISTS journey_dead_letters (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT UNIQUE,
    department_slug TEXT NOT NULL,
    reason TEXT NOT NULL,
    body TEXT NOT NULL,
    replayed TEXT
  )`);
  const insert = db.prepare('INSERT INTO journey_dead_letters (dedupe_key, department_slug, reason, body) VALUES (?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING');
  const mark = db.prepare('UPDATE journey_dead_letters SET replayed = ? WHERE seq = ?');
  const page = db.prepare<[{ after: number; slug: string | null; reason: string | null; limit: number }], Row>(
    `SELECT seq, body, replayed FROM journey_dead_letters
     WHERE seq > @after AND (@slug IS NULL OR department_slug = @slug) AND (@reason IS NULL OR reason = @reason)
     ORDER BY seq LIMIT @limit`,
  );
  const all = db.prepare<[number, number], Row>('SELECT seq, body, replayed FROM journey_dead_letters WHERE seq > ? ORDER BY seq LIMIT ?');
  const rewrite = db.prepare('UPDATE journey_dead_letters SET body = ?, replayed = NULL WHERE seq = ?');
  let closed = false;

  const toLetter = (row: Row): DeadLetter => {
    const body = JSON.parse(row.body) as DeadLetterBody;
    return {
      ...body,
      dlqSubject: dlqSubject(body.departmentSlug === 'unknown' ? undefined : body.departmentSlug),
      dlqSeq: row.seq,
      ...(row.replayed ? { replayed: JSON.parse(row.replayed) as ReplayRecord } : {}),
    };
  };

  return {
    // better-sqlite3 is synchronous: each call is done when it returns
    put(letter: DeadLetterInput, putOptions: { dedupeKey?: string } = {}) {
      const body = buildDeadLetter(letter);
      insert.run(putOptions.dedupeKey ?? null, body.departmentSlug, body.reason, JSON.stringify(body));
      return Promise.resolve();
    },
    list(query: DeadLetterQuery = {}): Promise<DeadLetterPage> {
      const limit = query.limit ?? 100;
      const letters: DeadLetter[] = [];
      let after = query.after ?? 0;
      // pendingOnly filters after reading: keep reading pages until this one is full
      for (;;) {
        const rows = page.all({ after, slug: slugFilter(query.department) ?? null, reason: query.reason ?? null, limit: limit + 1 });
        for (const row of rows) {
          after = row.seq;
          const letter = toLetter(row);
          if (query.pendingOnly && !isPendingReplay(letter)) continue;
          if (letters.length === limit) return Promise.resolve({ letters, next: letters.at(-1)!.dlqSeq });
          letters.push(letter);
        }
        if (rows.length <= limit) return Promise.resolve({ letters, next: null });
      }
    },
    erase(erased, now = new Date()) {
      const mentions = mentionsOf(erased);
      const hits: { seq: number; body: string }[] = [];
      for (let after = 0; ; ) {
        const rows = all.all(after, 500);
        for (const row of rows) {
          after = row.seq;
          const body = JSON.parse(row.body) as DeadLetterBody & { erasedAt?: string };
          if (body.erasedAt === undefined && mentions(body)) hits.push({ seq: row.seq, body: JSON.stringify(erasedLetter(body, now)) });
        }
        if (rows.length < 500) break;
      }
      if (hits.length === 0) return Promise.resolve(0);
      db.transaction(() => {
        for (const h of hits) rewrite.run(h.body, h.seq);
      })();
      // The WAL still holds the pages as they were.
      db.pragma('wal_checkpoint(TRUNCATE)');
      return Promise.resolve(hits.length);
    },
    markReplayed(dlqSeq: number, record: ReplayRecord) {
      mark.run(JSON.stringify(record), dlqSeq);
      return Promise.resolve();
    },
    problems: () => Promise.resolve(closed ? ['the dead-letter table is closed'] : []),
    describe: () => `table journey_dead_letters in ${options.path}`,
    close() {
      if (!closed) {
        closed = true;
        db.close();
      }
      return Promise.resolve();
    },
  };
}
