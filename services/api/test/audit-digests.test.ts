import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSQLiteEventStore } from '@journeys/event-store';
import { openKeyRing, readDigests, readPublicKeys, verifyHistory } from '../../audit/src/index.ts';
import { journeyEvents, startHarness } from './support/harness.ts';
import { tamperedCopy } from './support/tamper.ts';

/**
 * Issue 13 § 1. Whoever can write the store file can rewrite it so that its own chain
 * verifies: cut the tail and fix the head record, edit an event and recompute every later
 * link, erase a journey and renumber. Signed digests kept outside the store catch each, and
 * name the first position that no longer matches; a server refuses to start on such a store.
 */
let work: string;
let source: string;
let publicPem: string;
/** The source store's positions in order: with sparse positions they are not 1, 2, 3… */
let P: number[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'journeys-digests-'));
  const h = await startHarness();
  for (const id of ['d-1', 'd-2', 'd-3', 'd-4']) {
    await h.publish(journeyEvents(id));
    await h.rt.digests.signNow();
  }
  await h.rt.close();
  source = join(work, 'source');
  cpSync(h.dir, source, { recursive: true });
  await h.close();
  publicPem = openKeyRing(join(source, 'journeys.db.audit', 'keys')).exportPublicKeys();
  writeFileSync(join(work, 'auditor.pem'), publicPem);
  const store = getSQLiteEventStore({ path: join(source, 'journeys.db') });
  try {
    for await (const e of store.readAll()) P.push(e.position);
  } finally {
    await store.close();
  }
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const digestsOf = (dir: string) => readDigests(join(dir, 'journeys.db.audit', 'digests.jsonl'));

async function verifyCopy(storePath: string, dir: string) {
  const store = getSQLiteEventStore({ path: storePath });
  try {
    const own = await store.verify();
    const full = await verifyHistory(store, { digests: digestsOf(dir), keys: readPublicKeys(publicPem) });
    return { own, full };
  } finally {
    await store.close();
  }
}

const cli = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
const journey = (args: string[], storePath: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { ...process.env, JOURNEY_STORE: `sqlite:${storePath}`, JOURNEY_AUTH_SECRET: 'x'.repeat(40), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('signed digests', () => {
  it('sign the head every time, chained, with an exportable Ed25519 key', () => {
    const digests = digestsOf(source);
    const per = journeyEvents('x').length;
    expect(digests.map((d) => d.position)).toEqual([P[per - 1], P[2 * per - 1], P[3 * per - 1], P[4 * per - 1]]);
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(readFileSync(join(source, 'journeys.db.audit', 'keys', `${digests[0]!.keyId}.key`), 'utf8')).toContain('PRIVATE KEY');
  });

  it('an untouched copy verifies (CLI with the shipped digests and the auditor\'s public key)', async () => {
    const { storePath, dir } = tamperedCopy(source, work, 'intact', 'SELECT 1', false);
    expect((await verifyCopy(storePath, dir)).full).toMatchObject({ ok: true, digests: { ok: true, digests: 4 } });
    const r = journey(['audit', 'verify', '--digests', join(dir, 'journeys.db.audit', 'digests.jsonl'), '--public-key', join(work, 'auditor.pem')], storePath);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/digests intact: 4 signed digest\(s\) match/);
  });

  it('truncating the tail and fixing the head record is caught after the last signed position that still matches', async () => {
    const per = journeyEvents('x').length;
    const keep = P[3 * per + 1]!;
    const { storePath, dir } = tamperedCopy(source, work, 'truncated', `DELETE FROM events WHERE position > ${keep}`);
    const { own, full } = await verifyCopy(storePath, dir);
    expect(own.ok).toBe(true); // the store alone is fooled
    // The two events kept after digest 3 are vouched for by nothing: they are not "intact".
    expect(full).toMatchObject({ ok: false, brokenAt: P[3 * per - 1]! + 1 });
    expect(full.reason).toMatch(new RegExp(`ends at position ${keep}, .*tail was cut off`));
  });

  it('editing an event and recomputing the rest is caught, naming where the signed history stops matching', async () => {
    const per = journeyEvents('x').length;
    const edited = P[per + 1]!;
    const { storePath, dir } = tamperedCopy(source, work, 'recomputed', `UPDATE events SET data = json_set(data, '$.activity', 'Nothing to see') WHERE position = ${edited} AND json_extract(data, '$.activity') IS NOT NULL; UPDATE events SET actor = 'someone-else' WHERE position = ${edited}`);
    const { own, full } = await verifyCopy(storePath, dir);
    expect(own.ok).toBe(true);
    expect(full.ok).toBe(false);
    expect(full.brokenAt).toBe(P[per - 1]! + 1);
    expect(full.brokenAt!).toBeLessThanOrEqual(edited);
    expect(full.digests).toMatchObject({ failedDigest: 1 });
  });

  it('erasing a journey and renumbering is caught', async () => {
    const per = journeyEvents('x').length;
    const { storePath, dir } = tamperedCopy(
      source,
      work,
      'renumbered',
      `DELETE FROM events WHERE journey_id = 'd-2'; UPDATE events SET position = position - ${P[2 * per - 1]! - P[per - 1]!} WHERE position > ${P[2 * per - 1]!};`,
    );
    const { own, full } = await verifyCopy(storePath, dir);
    expect(own.ok).toBe(true);
    expect(full).toMatchObject({ ok: false, brokenAt: P[per - 1]! + 1 });
  });

  it('erasing a journey and packing the rest into consecutive positions is caught at the same place', async () => {
    // With sparse positions the packed history ends before the next signed position, as a cut
    // tail does; the answer must still name the position after the last digest that matches.
    const per = journeyEvents('x').length;
    const after = P[per - 1]!;
    const { storePath, dir } = tamperedCopy(
      source,
      work,
      'packed',
      `DELETE FROM events WHERE journey_id = 'd-2';
       CREATE TEMP TABLE moved AS SELECT position AS old, ${after} + ROW_NUMBER() OVER (ORDER BY position) AS new FROM events WHERE position > ${after};
       UPDATE events SET position = (SELECT new FROM moved WHERE old = events.position) WHERE position > ${after};`,
    );
    const { own, full } = await verifyCopy(storePath, dir);
    expect(own.ok).toBe(true);
    expect(full).toMatchObject({ ok: false, brokenAt: after + 1 });
  });

  it('a server refuses to start on a rewritten store, unless told to; then /api/audit/verify says where', async () => {
    const per = journeyEvents('x').length;
    const { storePath } = tamperedCopy(source, work, 'serve', `DELETE FROM events WHERE position > ${P[3 * per]!}`);
    await expect(startHarness({ env: { JOURNEY_STORE: `sqlite:${storePath}` } })).rejects.toThrow(/refusing to start: .*tail was cut off/);
    const h = await startHarness({ env: { JOURNEY_STORE: `sqlite:${storePath}`, JOURNEY_AUDIT_ACCEPT_MISMATCH: 'true' } });
    try {
      const res = await h.http('/api/audit/verify', { token: await h.token('auditor') });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { ok: boolean; brokenAt: number; digests: { brokenAt: number; reason: string } };
      expect(body).toMatchObject({ ok: false, brokenAt: P[3 * per - 1]! + 1, digests: { brokenAt: P[3 * per - 1]! + 1 } });
    } finally {
      await h.close();
    }
    const r = journey(['audit', 'verify', '--digests', join(work, 'serve', 'journeys.db.audit', 'digests.jsonl'), '--public-key', join(work, 'auditor.pem')], storePath);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^journey: chain broken at position \d+: .*tail was cut off/m);
  });

  it('a forged or removed digest is caught by its signature and the digest chain', async () => {
    const digests = digestsOf(source);
    const store = getSQLiteEventStore({ path: join(source, 'journeys.db') });
    try {
      const keys = readPublicKeys(publicPem);
      const forged = digests.map((d, i) => (i === 2 ? { ...d, position: d.position - 1 } : d));
      expect((await verifyHistory(store, { digests: forged, keys })).digests).toMatchObject({ ok: false, failedDigest: 2 });
      const removed = digests.filter((_, i) => i !== 1);
      expect((await verifyHistory(store, { digests: removed, keys })).digests?.reason).toMatch(/removed, reordered or replaced/);
    } finally {
      await store.close();
    }
  });

  it('key rotation keeps old digests verifying; the exported keys name both', async () => {
    const { storePath, dir } = tamperedCopy(source, work, 'rotated', 'SELECT 1', false);
    const oldPem = publicPem;
    const rotated = journey(['audit', 'rotate-key'], storePath);
    expect(rotated.status, rotated.stderr).toBe(0);
    const h = await startHarness({ env: { JOURNEY_STORE: `sqlite:${storePath}` } });
    try {
      await h.publish(journeyEvents('d-5'));
      await h.rt.digests.signNow();
    } finally {
      await h.rt.close();
    }
    const exported = journey(['audit', 'public-key'], storePath);
    expect(exported.status, exported.stderr).toBe(0);
    const digests = digestsOf(dir);
    expect(new Set(digests.map((d) => d.keyId)).size).toBe(2);
    const store = getSQLiteEventStore({ path: storePath });
    try {
      const both = await verifyHistory(store, { digests, keys: readPublicKeys(exported.stdout) });
      expect(both).toMatchObject({ ok: true, digests: { ok: true, digests: 5 } });
      const onlyOld = await verifyHistory(store, { digests, keys: readPublicKeys(oldPem) });
      expect(onlyOld.digests?.reason).toMatch(/not among the public keys given/);
    } finally {
      await store.close();
    }
  });
});
