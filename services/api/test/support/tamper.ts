import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chainLink } from '../../../event-store/src/chain.ts';
import { GENESIS_HASH } from '@journeys/event-store';

/**
 * What an attacker with write access to the store file does: rewrite rows, then recompute
 * every later link and the head record, so that the store's own chain verifies again.
 */
export function rechain(db: Database.Database): void {
  const rows = db.prepare('SELECT * FROM events ORDER BY position').all() as Array<Record<string, string | number | null>>;
  let previous = GENESIS_HASH;
  const update = db.prepare('UPDATE events SET hash = ? WHERE position = ?');
  for (const r of rows) {
    const link = chainLink(
      previous,
      r.position as number,
      r.stream as string,
      r.revision as number,
      r.recorded_at as string,
      {
        id: r.id as string,
        type: r.type as string,
        journeyId: r.journey_id as string,
        department: r.department as string,
        occurredAt: r.occurred_at as string,
        schemaVersion: r.schema_version as number,
        ...(r.actor !== null ? { actor: r.actor as string } : {}),
        ...(r.correlation_id !== null ? { correlationId: r.correlation_id as string } : {}),
        ...(r.causation_id !== null ? { causationId: r.causation_id as string } : {}),
      },
      r.data as string,
    );
    update.run(link, r.position);
    previous = link;
  }
  const last = rows.at(-1);
  db.prepare('UPDATE chain_head SET position = ?, hash = ?').run(last ? last.position : 0, previous);
}

/** A copy of a store and everything beside it (audit directory, keys), tampered with by `sql` and then re-chained. */
export function tamperedCopy(sourceDir: string, workDir: string, name: string, sql: string, recompute = true): { dir: string; storePath: string } {
  const dir = join(workDir, name);
  mkdirSync(dir, { recursive: true });
  cpSync(sourceDir, dir, { recursive: true });
  const storePath = join(dir, 'journeys.db');
  const db = new Database(storePath);
  db.exec(sql);
  if (recompute) rechain(db);
  db.close();
  return { dir, storePath };
}
