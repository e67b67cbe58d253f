import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '@journeys/contracts';
import {
  StoreConfigError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
  getSQLiteEventStore,
  openEventStore,
  parseStoreLocation,
} from '../src/index.ts';
import { describeEventStoreContract } from './contract.ts';
import { collect, many } from './fixtures.ts';
import { runAndKillAfterAcks } from '../../../tests/support/kill-after-acks.ts';

const root = mkdtempSync(join(tmpdir(), 'journeys-store-'));
let counter = 0;
const freshPath = () => join(root, `store-${++counter}.db`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The contract's outage: while set, the stores fail as an unreadable file would. */
let outageReason: string | undefined;
describeEventStoreContract(
  'sqlite',
  () =>
    getSQLiteEventStore({
      path: freshPath(),
      pollIntervalMs: 50,
      resume: { minDelayMs: 10, maxDelayMs: 100 },
      outage: () => outageReason,
    }),
  {
    detectsIdInOtherStream: true,
    atomicAppendMany: true,
    outage: () => {
      outageReason = 'outage drill';
      return Promise.resolve(() => {
        outageReason = undefined;
        return Promise.resolve();
      });
    },
  },
);

describe('SQLite store: tamper detection (dense positions)', () => {
  /** Given a store with 5 events at positions 1..5, apply `tamper` to the raw file, then verify. */
  async function tamperAndVerify(tamper: (db: Database.Database) => void) {
    const path = freshPath();
    const store = getSQLiteEventStore({ path, sparsePositions: false });
    await store.append('journey-t', many('t', 3));
    await store.append('journey-u', many('u', 2));
    expect((await store.verify()).ok).toBe(true);
    await store.close();
    const raw = new Database(path);
    tamper(raw);
    raw.close();
    // the file keeps its mode: reopening under JOURNEY_SQLITE_SPARSE_POSITIONS=1 stays dense
    const reopened = getSQLiteEventStore({ path });
    try {
      return await reopened.verify();
    } finally {
      await reopened.close();
    }
  }

  it('detects an edited payload at its position', async () => {
    const result = await tamperAndVerify((db) =>
      db.prepare("UPDATE events SET data = replace(data, 'triage', 'TRIAGE') WHERE position = 3").run(),
    );
    expect(result).toMatchObject({ ok: false, brokenAt: 3, checked: 2 });
    expect(result.reason).toMatch(/does not match its hash/);
  });

  it('detects an edited envelope column and an edited occurredAt index', async () => {
    expect(await tamperAndVerify((db) => db.prepare("UPDATE events SET department = 'Billing' WHERE position = 2").run())).toMatchObject({
      ok: false,
      brokenAt: 2,
    });
    expect(
      await tamperAndVerify((db) => db.prepare('UPDATE events SET occurred_ms = occurred_ms + 1 WHERE position = 4').run()),
    ).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('detects a deleted middle row at its position', async () => {
    const result = await tamperAndVerify((db) => db.prepare('DELETE FROM events WHERE position = 3').run());
    expect(result).toMatchObject({ ok: false, brokenAt: 3 });
    expect(result.reason).toMatch(/position 3 is missing/);
  });

  it('detects deleted last rows through the chain head', async () => {
    const one = await tamperAndVerify((db) => db.prepare('DELETE FROM events WHERE position = 5').run());
    expect(one).toMatchObject({ ok: false, brokenAt: 5, checked: 4 });
    const two = await tamperAndVerify((db) => db.prepare('DELETE FROM events WHERE position >= 4').run());
    expect(two).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('detects an edited row whose own hash was recomputed, at the next link', async () => {
    const result = await tamperAndVerify((db) => db.prepare("UPDATE events SET hash = '" + 'f'.repeat(64) + "' WHERE position = 2").run());
    expect(result).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('cannot detect a consistent rewrite of the tail and the head (documented limit)', async () => {
    // Deleting the last row AND moving the head back to the previous link leaves a valid,
    // shorter chain: only an externally kept headHash (or a keyed MAC) reveals it.
    const result = await tamperAndVerify((db) => {
      const prev = db.prepare('SELECT hash FROM events WHERE position = 4').pluck().get() as string;
      db.prepare('DELETE FROM events WHERE position = 5').run();
      db.prepare('UPDATE chain_head SET position = 4, hash = ?').run(prev);
    });
    expect(result).toMatchObject({ ok: true, checked: 4 });
  });

  it('reports progress while verifying', async () => {
    const store = getSQLiteEventStore({ path: freshPath() });
    await store.append('journey-p', many('p', 12_000));
    const seen: number[] = [];
    const result = await store.verify({ onProgress: (n) => seen.push(n) });
    await store.close();
    expect(result.ok).toBe(true);
    expect(seen).toEqual([5000, 10_000, 12_000]);
  });
});

describe('SQLite store: sparse positions (JOURNEY_SQLITE_SPARSE_POSITIONS=1, sqlite:<path>?sparse=1)', () => {
  it('hands out increasing positions with random gaps; counts and reads do not depend on them', async () => {
    const path = freshPath();
    const store = getSQLiteEventStore({ path, sparsePositions: true });
    try {
      const a = await store.append('journey-sa', many('sa', 50));
      const b = await store.append('journey-sb', many('sb', 50));
      const positions = [...a.events, ...b.events].map((e) => e.position);
      for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
      const steps = positions.slice(1).map((p, i) => p - positions[i]!);
      expect(steps.some((d) => d > 1)).toBe(true);
      expect(new Set(steps).size).toBeGreaterThan(1);
      expect(await store.headPosition()).toBe(positions[99]);
      expect(await store.eventsAfter(0)).toBe(100);
      expect(await store.eventsAfter(positions[49]!)).toBe(50);
      expect((await store.eventAt(positions[10]!))?.event.id).toBe(a.events[10]!.id);
      expect(await store.eventAt(positions[10]! + 1)).toBeUndefined();
      expect(await store.verify()).toMatchObject({ ok: true, checked: 100 });
      expect(store.describe()).toMatch(/sparse positions/);
    } finally {
      await store.close();
    }
    // the file keeps its mode
    const reopened = getSQLiteEventStore({ path, sparsePositions: false });
    const next = await reopened.append('journey-sa', many('sa', 3));
    expect(next.events[2]!.position - next.events[0]!.position).toBeGreaterThanOrEqual(2);
    expect((await reopened.verify()).ok).toBe(true);
    await reopened.close();
  });

  it('is chosen by sqlite:<path>?sparse=1', async () => {
    expect(parseStoreLocation('sqlite:/x.db?sparse=1')).toEqual({ kind: 'sqlite', path: '/x.db', sparsePositions: true });
    const store = openEventStore(`sqlite:${freshPath()}?sparse=1`);
    expect(store.describe()).toMatch(/sparse/);
    await store.close();
  });

  it('still detects tampering: an edited row at its position, a deleted row at the next one, deleted last rows', async () => {
    async function tampered(tamper: (db: Database.Database, positions: number[]) => void) {
      const path = freshPath();
      const store = getSQLiteEventStore({ path, sparsePositions: true });
      const positions = (await store.append('journey-t', many('t', 5))).events.map((e) => e.position);
      await store.close();
      const raw = new Database(path);
      tamper(raw, positions);
      raw.close();
      const reopened = getSQLiteEventStore({ path });
      try {
        return { result: await reopened.verify(), positions };
      } finally {
        await reopened.close();
      }
    }
    const edited = await tampered((db, p) => db.prepare("UPDATE events SET data = replace(data, 'triage', 'TRIAGE') WHERE position = ?").run(p[2]));
    expect(edited.result).toMatchObject({ ok: false, brokenAt: edited.positions[2], checked: 2 });
    const deleted = await tampered((db, p) => db.prepare('DELETE FROM events WHERE position = ?').run(p[2]));
    expect(deleted.result).toMatchObject({ ok: false, brokenAt: deleted.positions[3] });
    const tail = await tampered((db, p) => db.prepare('DELETE FROM events WHERE position = ?').run(p[4]));
    expect(tail.result).toMatchObject({ ok: false, checked: 4 });
    expect(tail.result.reason).toMatch(/missing/);
  });
});

describe('SQLite store: another process holding the write lock', () => {
  it('makes an append fail with StoreUnavailableError (after busyTimeoutMs), reads go on, and the next append works', async () => {
    const path = freshPath();
    const store = getSQLiteEventStore({ path, busyTimeoutMs: 50 });
    try {
      await store.append('journey-l', many('l', 1));
      const other = new Database(path);
      other.pragma('busy_timeout = 0');
      other.exec('BEGIN IMMEDIATE');
      try {
        await expect(store.append('journey-l', many('l', 1))).rejects.toBeInstanceOf(StoreUnavailableError);
        expect(await store.readStream('journey-l')).toHaveLength(1);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect((await store.append('journey-l', many('l', 1))).nextExpectedRevision).toBe(1);
    } finally {
      await store.close();
    }
  });
});

describe('SQLite store: crash safety', () => {
  const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
  /** Starts a writer child on `path`; kills it with SIGKILL `delayMs` after its 3rd acknowledged batch; resolves with how many were acknowledged. */
  const runAndKill = async (path: string, round: number, delayMs: number): Promise<number> =>
    (await runAndKillAfterAcks({ script: writer, args: [path, '3000', String(round)], killAfter: 3, delayMs })).length;

  it('a writer killed with SIGKILL mid-append leaves whole batches only, keeps every acknowledged one, and the chain verifies', async () => {
    const path = freshPath();
    // Three kills at different moments of the next batch (validating, inside the transaction, committing).
    for (const [round, delayMs] of [
      [1, 5],
      [2, 30],
      [3, 70],
    ] as const) {
      const acked = await runAndKill(path, round, delayMs);
      expect(acked).toBeGreaterThanOrEqual(3);
      const store = getSQLiteEventStore({ path });
      try {
        const perStream = new Map<string, number>();
        for await (const e of store.readAll()) perStream.set(e.stream, (perStream.get(e.stream) ?? 0) + 1);
        // each batch is all or nothing
        expect([...perStream.values()].every((n) => n === 3000)).toBe(true);
        // every acknowledged batch of this round survived; at most the one in flight was added
        const thisRound = [...perStream.keys()].filter((s) => s.startsWith(`journey-crash-${round}-`));
        expect(thisRound.length).toBeGreaterThanOrEqual(acked);
        expect(thisRound.length).toBeLessThanOrEqual(acked + 1);
        const total = [...perStream.values()].reduce((a, b) => a + b, 0);
        expect(await store.verify()).toMatchObject({ ok: true, checked: total });
        expect(await store.eventsAfter(0)).toBe(total);
      } finally {
        await store.close();
      }
    }
  }, 90_000);
});

describe('SQLite store: two instances on one file', () => {
  it("one instance's subscription sees the other's appends (as from another process)", async () => {
    const path = freshPath();
    const writer = getSQLiteEventStore({ path });
    const reader = getSQLiteEventStore({ path, pollIntervalMs: 20 });
    try {
      const seeded = await writer.append('journey-w', many('w', 5));
      const sub = reader.subscribeAll({ after: seeded.events[1]!.position });
      const got: StoredEvent[] = [];
      const reading = (async () => {
        for await (const e of sub) {
          got.push(e);
          if (got.length === 3 + 40) break;
        }
      })();
      for (let i = 0; i < 20; i++) {
        await writer.append(`journey-w${i % 3}`, many('w', 2));
        await new Promise((r) => setTimeout(r, 5));
      }
      await reading;
      const all = await collect(reader.readAll({ after: seeded.events[1]!.position }));
      expect(got.map((e) => e.position)).toEqual(all.map((e) => e.position));
      expect(all).toHaveLength(43);
      expect(await reader.headPosition()).toBe(all[42]!.position);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('serialises writers across instances: one of two conflicting appends fails, positions stay gap-free', async () => {
    const path = freshPath();
    await getSQLiteEventStore({ path, sparsePositions: false }).close();
    const a = getSQLiteEventStore({ path });
    const b = getSQLiteEventStore({ path });
    try {
      await a.append('journey-x', many('x', 1));
      await b.append('journey-y', many('y', 1));
      const results = await Promise.allSettled([
        a.append('journey-x', many('x', 1), { expectedRevision: 0 }),
        b.append('journey-x', many('x', 1), { expectedRevision: 0 }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
      const all = await collect(b.readAll());
      expect(all.map((e) => e.position)).toEqual([1, 2, 3]);
      expect((await a.verify()).ok).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('SQLite store: verify while another instance appends', () => {
  it('reports an intact chain, not missing rows', async () => {
    const path = freshPath();
    const a = getSQLiteEventStore({ path });
    const b = getSQLiteEventStore({ path });
    try {
      await a.append('journey-v', many('v', 12_000));
      let appending = true;
      const writer = (async () => {
        for (let i = 0; appending; i++) {
          await a.append(`journey-v${i}`, many('v', 3));
          await new Promise((r) => setImmediate(r));
        }
      })();
      const result = await b.verify();
      appending = false;
      await writer;
      expect(result).toMatchObject({ ok: true, brokenAt: null });
      expect(result.checked).toBeGreaterThanOrEqual(12_000);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('openEventStore', () => {
  it('opens sqlite:<path>, creating its directory', async () => {
    const path = join(root, 'nested', 'dir', 'j.db');
    const store = openEventStore(`sqlite:${path}`);
    expect(store.describe()).toContain('embedded SQLite');
    expect(existsSync(path)).toBe(true);
    expect(await store.ping()).toBe(true);
    await store.close();
    expect(await store.ping()).toBe(false);
  });

  it('reads JOURNEY_STORE forms and refuses anything else with a clear error', () => {
    expect(parseStoreLocation('sqlite:./data/journeys.db')).toEqual({ kind: 'sqlite', path: './data/journeys.db' });
    expect(parseStoreLocation('sqlite:/var/j.db?synchronous=full')).toEqual({ kind: 'sqlite', path: '/var/j.db', synchronous: 'full' });
    expect(parseStoreLocation('esdb://localhost:2113?tls=false')).toEqual({
      kind: 'esdb',
      connectionString: 'esdb://localhost:2113?tls=false',
    });
    expect(parseStoreLocation('esdb+discover://a:2113,b:2113')).toMatchObject({ kind: 'esdb' });
    expect(() => parseStoreLocation('postgres://x')).toThrow(StoreConfigError);
    expect(() => parseStoreLocation('postgres://x')).toThrow(/sqlite:<path>/);
    expect(() => parseStoreLocation('sqlite:')).toThrow(StoreConfigError);
    expect(() => parseStoreLocation('sqlite:/x.db?journal=off')).toThrow(/unknown SQLite option/);
  });
});
