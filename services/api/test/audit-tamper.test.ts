import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyEvents, startHarness } from './support/harness.ts';

/**
 * Given a store with history, when someone edits or deletes a row in a copy of the SQLite
 * file, then /api/audit/verify and `journey audit verify` both name the first broken position.
 */
let original: string;
let work: string;
/** The stored positions, in order: dense (1, 2, …) or sparse (JOURNEY_SQLITE_SPARSE_POSITIONS=1). */
let positions: number[];

beforeAll(async () => {
  const h = await startHarness();
  await h.publish([...journeyEvents('t-1'), ...journeyEvents('t-2')]);
  await h.rt.close(); // flushes the WAL into the file
  work = mkdtempSync(join(tmpdir(), 'journeys-tamper-'));
  original = join(work, 'original.db');
  copyFileSync(h.storePath, original);
  await h.close();
  const db = new Database(original, { readonly: true });
  positions = db.prepare('SELECT position FROM events ORDER BY position').pluck().all() as number[];
  db.close();
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function tamperedCopy(name: string, sql: string): string {
  const dir = join(work, name);
  const path = join(dir, 'journeys.db');
  mkdirSync(dir, { recursive: true });
  copyFileSync(original, path);
  const db = new Database(path);
  db.exec(sql);
  db.close();
  return path;
}

async function verifyOverHttp(storePath: string): Promise<{ ok: boolean; brokenAt: number | null; reason: string | null }> {
  const h = await startHarness({ env: { JOURNEY_STORE: `sqlite:${storePath}` } });
  try {
    const res = await h.http('/api/audit/verify', { token: await h.token('auditor') });
    expect(res.status).toBe(200);
    return (await res.json()) as { ok: boolean; brokenAt: number | null; reason: string | null };
  } finally {
    await h.close();
  }
}

const cli = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
function verifyWithCli(storePath: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', cli, 'audit', 'verify'], {
    env: { ...process.env, JOURNEY_STORE: `sqlite:${storePath}`, JOURNEY_AUTH_SECRET: 'x'.repeat(40) },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('tamper evidence', () => {
  it('reports an intact chain for the untouched copy (HTTP and CLI)', async () => {
    const path = tamperedCopy('intact', 'SELECT 1');
    expect(await verifyOverHttp(path)).toMatchObject({ ok: true, brokenAt: null });
    const r = verifyWithCli(path);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/chain intact: 12 events/);
  });

  it('names the position of an edited payload', async () => {
    const fifth = positions[4]!;
    const path = tamperedCopy('edited', `UPDATE events SET data = json_set(data, '$.activity', 'Nothing to see') WHERE position = ${fifth}`);
    expect(await verifyOverHttp(path)).toMatchObject({ ok: false, brokenAt: fifth });
    const r = verifyWithCli(path);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`journey: chain broken at position ${fifth}\\b`));
  });

  it('names the position where a row was deleted', async () => {
    const path = tamperedCopy('deleted', `DELETE FROM events WHERE position = ${positions[2]!}`);
    const result = await verifyOverHttp(path);
    expect(result.ok).toBe(false);
    // dense positions name the missing one; with sparse positions a gap is normal, and the
    // next event's link (over the deleted one) is what breaks
    const dense = positions.every((p, i) => p === i + 1);
    expect(result.brokenAt).toBe(dense ? positions[2] : positions[3]);
  });
});
