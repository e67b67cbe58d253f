/**
 * Dead letters are durable on both buses and visible to an admin: an event-id clash (one
 * department publishing another's event id first) is dead-lettered with its reason, listed
 * by GET /api/dead-letters and `journey dlq list`, still there after a restart of
 * everything, and re-driven idempotently by `journey dlq replay`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { openSqliteDeadLetters } from '@journeys/bus';
import { getSQLiteEventStore } from '@journeys/event-store';
import { loadConfig } from '../../services/cli/src/config.ts';
import { startRuntime, type Runtime } from '../../services/cli/src/runtime.ts';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../support/nats.ts';
import { natsConfig, PASSWORDS, tempDir, waitFor } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Letters {
  items: Array<{ reason: string; eventId?: string; departmentSlug: string; detail?: string; dlqSeq: number; problems: Array<{ code?: string }> }>;
  nextCursor: string | null;
}

const event = (department: string, id: string, journeyId: string) => ({
  id,
  type: 'WorkStarted',
  journeyId,
  department,
  occurredAt: new Date(Date.now() - 60_000).toISOString(),
  schemaVersion: 1,
  data: { activity: 'Check documents' },
});

describe('dead letters survive a restart and are listed for admins', () => {
  const dir = tempDir('journeys-dlq-restart-');
  const secret = randomBytes(32).toString('base64url');
  let rt: Runtime | undefined;
  let nats: NatsServerHandle | undefined;

  afterEach(async () => {
    await rt?.close();
    rt = undefined;
    await nats?.stop();
    nats = undefined;
  });

  const start = async (db: string, env: Record<string, string> = {}) => {
    const config = loadConfig({ JOURNEY_STORE: `sqlite:${db}`, JOURNEY_AUTH_SECRET: secret, PORT: '0', HOST: '127.0.0.1', ...env });
    rt = await startRuntime({ config, logger: pino({ level: 'silent' }), announce: () => {}, readStore: false });
    return rt;
  };

  const post = async (r: Runtime, department: string, body: unknown) => {
    const token = await r.auth.sign({ role: `department:${department.toLowerCase()}` });
    return fetch(`${r.url}/api/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  };

  const list = async (r: Runtime, query = ''): Promise<Response> => {
    const token = await r.auth.sign({ role: 'admin' });
    return fetch(`${r.url}/api/dead-letters${query}`, { headers: { authorization: `Bearer ${token}` } });
  };

  /** The squat of issue 13: Legal publishes Billing's next event id first. */
  const squat = async (r: Runtime) => {
    const id = randomUUID();
    expect((await post(r, 'Legal', event('Legal', id, 'claim-1'))).status).toBe(202);
    await waitFor('the squatter stored', async () => (await r.store.eventsAfter(0)) === 1);
    // the real event is taken by the bus as new (its dedup key is Billing's own) ...
    expect((await post(r, 'Billing', event('Billing', id, 'claim-1'))).status).toBe(202);
    // ... and ingest dead-letters it with the reason instead of dropping it as a duplicate
    await waitFor('the clash dead-lettered', async () => ((await (await list(r)).json()) as Letters).items.length === 1);
    return id;
  };

  const checkListed = async (r: Runtime, id: string) => {
    const res = await list(r);
    expect(res.status).toBe(200);
    const page = (await res.json()) as Letters;
    expect(page.nextCursor).toBeNull();
    expect(page.items).toMatchObject([{ reason: 'id_conflict', eventId: id, departmentSlug: 'billing', problems: [{ code: 'id_conflict' }] }]);
    expect(page.items[0]!.detail).toMatch(/another department/);
    expect((await r.store.readAll()[Symbol.asyncIterator]().next()).value?.event.department).toBe('Legal');
  };

  it('on the embedded default: in the store file, across a restart, with problem+json for bad queries', async () => {
    const db = join(dir.path, 'embedded.db');
    let r = await start(db);
    const id = await squat(r);
    await checkListed(r, id);
    await r.close();
    rt = undefined;

    // When everything restarts on the same file
    r = await start(db);
    // Then the dead letter is still there
    await checkListed(r, id);
    // and bad queries are problems, not crashes
    for (const q of ['?cursor=forged.AAAAAAAAAAAAAAAA', '?limit=0', '?colour=red']) {
      const bad = await list(r, q);
      expect(bad.status, q).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const analyst = await r.auth.sign({ role: 'analyst' });
    expect((await fetch(`${r.url}/api/dead-letters`, { headers: { authorization: `Bearer ${analyst}` } })).status).toBe(403);
  });

  it.skipIf(!natsServerAvailable())('on NATS: in JOURNEY_DLQ, across a restart of nats-server and of the server', async () => {
    nats = await startNatsServer({ config: natsConfig() });
    // the ingest service user of the shipped permission model
    const env = { NATS_URL: nats.url.replace('nats://', `nats://ingest:${PASSWORDS.ingest}@`) };
    const db = join(dir.path, 'nats.db');
    let r = await start(db, env);
    const id = await squat(r);
    await r.close();
    rt = undefined;
    await nats.restart({ kill: true });
    r = await start(db, env);
    await checkListed(r, id);
  });

  it('journey dlq list and replay on the embedded file: re-driven once, idempotently', () => {
    // Given a store and two dead letters in its file: one storable now, one still invalid
    const db = join(dir.path, 'cli.db');
    const store = getSQLiteEventStore({ path: db });
    void store.close();
    const dlq = openSqliteDeadLetters({ path: db });
    const good = event('Intake', randomUUID(), 'claim-7');
    void dlq.put({ reason: 'max_deliveries', subject: 'journey.events.intake.WorkStarted', payload: JSON.stringify(good), departmentSlug: 'intake', eventId: good.id, streamSeq: 3 }, { dedupeKey: 'dlq-3' });
    void dlq.put({ reason: 'invalid_event', subject: 'journey.events.intake.WorkStarted', payload: '{"id":"x"}', departmentSlug: 'intake', streamSeq: 4 }, { dedupeKey: 'dlq-4' });
    void dlq.close();
    const journey = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, JOURNEY_STORE: `sqlite:${db}`, NATS_URL: '' }, encoding: 'utf8' });

    const listed = journey('dlq', 'list');
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/#1 .* intake max_deliveries/);
    expect(listed.stdout).toMatch(/#2 .* intake invalid_event/);

    // When it is replayed twice
    const first = journey('dlq', 'replay');
    expect(first.status).toBe(1); // one is still refused: said plainly
    expect(first.stderr).toMatch(/1 stored, 0 already stored, 1 still refused/);
    const second = journey('dlq', 'replay');
    expect(second.stderr).toMatch(/0 stored, 0 already stored, 1 still refused/);

    // Then the good event is stored exactly once and marked; the bad one stays pending
    const after = getSQLiteEventStore({ path: db });
    return (async () => {
      const ids: string[] = [];
      for await (const e of after.readAll()) ids.push(e.event.id);
      await after.close();
      expect(ids).toEqual([good.id]);
      const pending = journey('dlq', 'list', '--pending', '--json');
      expect(pending.status).toBe(0);
      const lines = pending.stdout.trim().split('\n').map((l) => JSON.parse(l) as { dlqSeq: number; replayed?: { outcome: string } });
      expect(lines.map((l) => [l.dlqSeq, l.replayed?.outcome])).toEqual([[2, 'rejected']]);
      const bad = journey('dlq', 'list', '--limit', 'many');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/--limit must be a whole number/);
    })();
  }, 60_000);

  it('cleans up', () => dir.remove());
});
