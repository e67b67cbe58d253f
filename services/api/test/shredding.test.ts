import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';

/**
 * Issue 13 § 2: personal data is sealed per customer before it reaches the store, reads
 * open it, an erasure destroys the key: the fields read [erased] for ever and the audit
 * chain, and every signed digest, still verify. Real files, real HTTP.
 */
let h: Harness;
const at = (m: number) => new Date(Date.parse('2026-03-02T08:00:00Z') + m * 60_000).toISOString();
const journey = (journeyId: string, customerRef: string) => [
  { id: randomUUID(), type: 'JourneyStarted', journeyId, department: 'Intake', occurredAt: at(0), schemaVersion: 1, actor: 'agent.jane.doe', data: { journeyType: 'claim', channel: 'web', customerRef } },
  { id: randomUUID(), type: 'CustomerWaitStarted', journeyId, department: 'Intake', occurredAt: at(1), schemaVersion: 1, data: { reason: `waiting for ${customerRef}'s bank statement` } },
  { id: randomUUID(), type: 'CustomerWaitEnded', journeyId, department: 'Intake', occurredAt: at(2), schemaVersion: 1, data: {} },
  { id: randomUUID(), type: 'CustomerNotified', journeyId, department: 'Intake', occurredAt: at(3), schemaVersion: 1, data: { channel: 'email', message: `Dear ${customerRef}, we got it` } },
];

type Audited = { items: Array<{ position: number; event: { journeyId: string; actor?: string; data: Record<string, unknown> } }> };

beforeAll(async () => {
  h = await startHarness();
  await h.publish([...journey('sh-1', 'alice-7731'), ...journey('sh-2', 'bob-1188')]);
});

afterAll(async () => {
  await h?.close();
});

async function auditEvents(journeyId: string): Promise<Audited['items']> {
  const res = await h.http(`/api/audit/events?journeyId=${journeyId}`, { token: await h.token('auditor') });
  expect(res.status).toBe(200);
  return ((await res.json()) as Audited).items;
}

describe('crypto-shredding', () => {
  it('keeps no personal field in clear at rest (store file 0600, key file 0600)', async () => {
    const db = new Database(h.storePath, { readonly: true });
    const rows = db.prepare('SELECT actor, data FROM events').all() as Array<{ actor: string | null; data: string }>;
    db.close();
    const raw = JSON.stringify(rows);
    for (const secret of ['alice-7731', 'bob-1188', 'agent.jane.doe', 'bank statement', 'Dear ']) expect(raw).not.toContain(secret);
    expect(rows.some((r) => String((JSON.parse(r.data) as { sealed?: string }).sealed).startsWith('v1.'))).toBe(true);
    expect(statSync(h.storePath).mode & 0o777).toBe(0o600);
    expect(statSync(join(h.dir, 'journeys.db.audit', 'customer-keys.json')).mode & 0o777).toBe(0o600);
  });

  it('reads (audit API, timelines) see the data as sent', async () => {
    const timeline = (await (await h.http('/api/journeys/sh-1', { token: await h.token('analyst') })).json()) as { events: { actor?: string }[] };
    expect(timeline.events[0]!.actor).toBe('agent.jane.doe');
    const events = await auditEvents('sh-1');
    expect(events[0]!.event.data.customerRef).toBe('alice-7731');
    expect(events[0]!.event.actor).toBe('agent.jane.doe');
    expect(events[0]!.event.data.sealed).toBeUndefined();
    expect(events[3]!.event.data.message).toBe('Dear alice-7731, we got it');
  });

  it('an erasure (admin route) leaves the fields [erased], the chain and digests intact, and says "shredded"', async () => {
    const analyst = await h.token('analyst');
    // Dead letters keep messages as sent, in clear: one of alice's journey, one of bob's.
    const refused = (journeyId: string, customerRef: string) =>
      h.rt.bus.deadLetter({
        reason: 'invalid_event',
        detail: `CustomerNotified of ${journeyId} lacks a channel`,
        problems: [{ path: 'data.channel', message: 'Required', code: 'invalid_type' }],
        subject: 'journey.events.intake.CustomerNotified',
        payload: JSON.stringify({ id: randomUUID(), type: 'CustomerNotified', journeyId, department: 'Intake', occurredAt: at(4), schemaVersion: 1, data: { message: `Dear ${customerRef}, about your claim` } }),
        departmentSlug: 'intake',
      });
    await refused('sh-1', 'alice-7731');
    await refused('sh-2', 'bob-1188');
    expect((await h.post('/api/erasures', { customerRef: 'alice-7731' }, analyst)).status).toBe(403);
    const res = await h.post('/api/erasures', { customerRef: 'alice-7731' }, await h.token('admin'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ erased: true, journeys: 1, deadLetters: 1 });
    const letters = ((await (await h.http('/api/dead-letters', { token: await h.token('admin') })).json()) as { items: { payload: string; erasedAt?: string }[] }).items;
    expect(letters.map((l) => [l.payload.includes('bob-1188'), l.payload === '[erased]', typeof l.erasedAt])).toEqual([
      [false, true, 'string'],
      [true, false, 'undefined'],
    ]);
    // nor in the store file, where the in-process bus keeps its dead letters
    for (const file of [h.storePath, `${h.storePath}-wal`].filter((f) => existsSync(f))) {
      expect(readFileSync(file).includes(Buffer.from('Dear alice-7731')), file).toBe(false);
    }

    // the analysts' timeline is read from the read store: its row was rewritten, not kept
    const timeline = (await (await h.http('/api/journeys/sh-1', { token: analyst })).json()) as { events: { actor?: string }[] };
    expect(timeline.events[0]!.actor).toBe('[erased]');
    const other = (await (await h.http('/api/journeys/sh-2', { token: analyst })).json()) as { events: { actor?: string }[] };
    expect(other.events[0]!.actor).toBe('agent.jane.doe');

    const erased = await auditEvents('sh-1');
    expect(erased[0]!.event.data.customerRef).toBe('[erased]');
    expect(erased[0]!.event.actor).toBe('[erased]');
    expect(erased[1]!.event.data.reason).toBe('[erased]');
    expect(JSON.stringify(erased)).not.toContain('alice');
    // the other customer is untouched
    expect((await auditEvents('sh-2'))[0]!.event.data.customerRef).toBe('bob-1188');

    const verify = (await (await h.http('/api/audit/verify', { token: await h.token('auditor') })).json()) as { ok: boolean; shredded: number; digests: { ok: boolean } };
    expect(verify).toMatchObject({ ok: true, shredded: 3, digests: { ok: true } });
    // the erasure itself is on record, signed, without the reference
    const record = readFileSync(join(h.dir, 'journeys.db.audit', 'erasures.jsonl'), 'utf8');
    expect(record).toContain('"signature"');
    expect(record).not.toContain('alice');
    // and a new journey of the erased customer keeps nothing of them either
    await h.publish(journey('sh-3', 'alice-7731'));
    expect((await auditEvents('sh-3'))[0]!.event.data.customerRef).toBe('[erased]');
  });

  it('tells shredded from tampered: an edited sealed field breaks the chain', async () => {
    await h.rt.close();
    const db = new Database(h.storePath);
    const row = db.prepare("SELECT position, data FROM events WHERE journey_id = 'sh-2' AND type = 'JourneyStarted'").get() as { position: number; data: string };
    const data = JSON.parse(row.data) as { sealed: string };
    data.sealed = `${data.sealed.slice(0, -6)}AAAA==`;
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), row.position);
    db.close();
    const cli = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { env: { ...process.env, JOURNEY_STORE: `sqlite:${h.storePath}`, JOURNEY_AUTH_SECRET: h.secret }, encoding: 'utf8', timeout: 60_000 });
    const verified = run(['audit', 'verify', '--json', '--no-progress']);
    expect(verified.status).toBe(1);
    expect((JSON.parse(verified.stdout) as { brokenAt: number }).brokenAt).toBe(row.position);
    // and the CLI erasure works on the store at rest
    const erased = run(['erase', '--customer', 'bob-1188']);
    expect(erased.status, erased.stderr).toBe(0);
    expect(erased.stdout).toMatch(/erased: the key of that customer is destroyed \(1 journey/);
    // bob's dead letter, left by the erasure of alice, goes now
    expect(erased.stdout).toMatch(/^dead letters: 1 naming that customer or their journeys erased \(table journey_dead_letters in /m);
  });
});
