/**
 * One contract for every DeadLetterStore: JOURNEY_DLQ on a real nats-server (with the
 * shipped permission model, as the ingest user), the table in an embedded store's SQLite
 * file, and the in-memory one unit tests use. Durability is checked by reopening: a
 * restarted nats-server, a new connection to the same SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNatsBus, memoryDeadLetters, openSqliteDeadLetters, MAX_DEAD_LETTER_PAYLOAD, type DeadLetterStore, type NatsBus } from '@journeys/bus';
import { getSQLiteEventStore } from '@journeys/event-store';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../support/nats.ts';
import { ingestUser, natsConfig, tempDir, workStarted } from './helpers.ts';

interface Harness {
  name: string;
  skip?: boolean;
  setup(): Promise<void>;
  open(): Promise<DeadLetterStore>;
  /** Closes and opens again as after a restart; undefined: not durable (memory). */
  reopen?(): Promise<DeadLetterStore>;
  /** Every byte the adapter keeps on disk (undefined: nothing on disk). */
  bytesOnDisk?(): Buffer;
  teardown(): Promise<void>;
}

/** The files under a directory, concatenated. */
function filesUnder(dir: string): Buffer {
  const out: Buffer[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(readFileSync(join(e.parentPath, e.name)));
  }
  return Buffer.concat(out);
}

function natsHarness(): Harness {
  let nats: NatsServerHandle;
  let bus: NatsBus | undefined;
  return {
    name: 'NATS JetStream (JOURNEY_DLQ)',
    skip: !natsServerAvailable(),
    async setup() {
      nats = await startNatsServer({ config: natsConfig() });
    },
    async open() {
      await bus?.close();
      bus = await connectNatsBus({ servers: nats.url, ...ingestUser });
      await (await bus.manager()).streams.purge('JOURNEY_DLQ');
      return bus.deadLetterStore;
    },
    bytesOnDisk: () => filesUnder(nats.storeDir),
    async reopen() {
      await bus?.close();
      await nats.restart({ kill: true });
      bus = await connectNatsBus({ servers: nats.url, ...ingestUser });
      return bus.deadLetterStore;
    },
    async teardown() {
      await bus?.close();
      await nats.stop();
    },
  };
}

function sqliteHarness(): Harness {
  const dir = tempDir('journeys-dlq-');
  let n = 0;
  let path = '';
  let current: DeadLetterStore | undefined;
  return {
    name: 'embedded (table in the store file)',
    async setup() {},
    async open() {
      await current?.close();
      path = join(dir.path, `journeys-${++n}.db`);
      // the event store's own file, written by the store beside us
      const store = getSQLiteEventStore({ path });
      await store.append('journey-j1', [workStarted('j1', 'Intake')]);
      await store.close();
      current = openSqliteDeadLetters({ path });
      return current;
    },
    async reopen() {
      await current?.close();
      current = openSqliteDeadLetters({ path });
      return current;
    },
    bytesOnDisk: () => Buffer.concat([path, `${path}-wal`].map((f) => (existsSync(f) ? readFileSync(f) : Buffer.alloc(0)))),
    async teardown() {
      await current?.close();
      dir.remove();
    },
  };
}

function memoryHarness(): Harness {
  return { name: 'in memory (tests)', async setup() {}, open: () => Promise.resolve(memoryDeadLetters()), async teardown() {} };
}

const letter = (reason: string, departmentSlug = 'intake', extra: Record<string, unknown> = {}) => ({
  reason,
  detail: `because ${reason}`,
  problems: [{ path: 'data.activity', message: 'Required', code: 'invalid_type' }],
  subject: `journey.events.${departmentSlug}.WorkStarted`,
  payload: `{"reason":"${reason}"}`,
  departmentSlug,
  eventId: `id-${reason}`,
  streamSeq: 7,
  deliveries: 1,
  ...extra,
});

for (const harness of [natsHarness(), sqliteHarness(), memoryHarness()]) {
  describe.skipIf(harness.skip)(`dead-letter store contract: ${harness.name}`, () => {
    beforeAll(() => harness.setup(), 30_000);
    afterAll(() => harness.teardown(), 30_000);

    it('keeps every letter with its reason, oldest first', async () => {
      const dlq = await harness.open();
      await dlq.put(letter('invalid_event'));
      await dlq.put(letter('department_mismatch', 'billing'));
      const { letters, next } = await dlq.list();
      expect(next).toBeNull();
      expect(letters.map((l) => l.reason)).toEqual(['invalid_event', 'department_mismatch']);
      expect(letters[0]).toMatchObject({
        detail: 'because invalid_event',
        problems: [{ path: 'data.activity', code: 'invalid_type' }],
        subject: 'journey.events.intake.WorkStarted',
        payload: '{"reason":"invalid_event"}',
        departmentSlug: 'intake',
        dlqSubject: 'journey.dlq.intake',
        eventId: 'id-invalid_event',
        streamSeq: 7,
      });
      expect(letters[1]!.dlqSubject).toBe('journey.dlq.billing');
      expect(letters[1]!.dlqSeq).toBeGreaterThan(letters[0]!.dlqSeq);
      expect(Date.parse(letters[0]!.deadLetteredAt)).toBeGreaterThan(Date.now() - 60_000);
    });

    it('counts a letter dead-lettered twice under the same key once', async () => {
      const dlq = await harness.open();
      await dlq.put(letter('a'), { dedupeKey: 'dlq-1' });
      await dlq.put(letter('a'), { dedupeKey: 'dlq-1' });
      await dlq.put(letter('b'), { dedupeKey: 'dlq-2' });
      expect((await dlq.list()).letters.map((l) => l.reason)).toEqual(['a', 'b']);
    });

    it('pages with a cursor and filters by department (name or slug) and reason', async () => {
      const dlq = await harness.open();
      for (let i = 0; i < 5; i++) await dlq.put(letter(`r${i % 2}`, i < 3 ? 'intake' : 'v5-3rd'));
      const first = await dlq.list({ limit: 2 });
      expect(first.letters).toHaveLength(2);
      expect(first.next).not.toBeNull();
      const second = await dlq.list({ limit: 2, after: first.next! });
      const third = await dlq.list({ limit: 2, after: second.next! });
      expect(third.next).toBeNull();
      expect([...first.letters, ...second.letters, ...third.letters].map((l) => l.reason)).toEqual(['r0', 'r1', 'r0', 'r1', 'r0']);
      expect((await dlq.list({ department: 'V5 3rd' })).letters).toHaveLength(2);
      expect((await dlq.list({ department: 'v5-3rd', reason: 'r1' })).letters).toHaveLength(1);
      expect((await dlq.list({ reason: 'r0', limit: 2 })).letters.map((l) => l.departmentSlug)).toEqual(['intake', 'intake']);
    });

    it('records re-drives; pending letters are those not yet stored', async () => {
      const dlq = await harness.open();
      await dlq.put(letter('x'));
      await dlq.put(letter('y'));
      await dlq.put(letter('z'));
      const [x, y] = (await dlq.list()).letters;
      await dlq.markReplayed(x!.dlqSeq, { at: new Date().toISOString(), outcome: 'stored' });
      await dlq.markReplayed(y!.dlqSeq, { at: new Date().toISOString(), outcome: 'rejected', detail: 'still invalid' });
      const all = (await dlq.list()).letters;
      expect(all.map((l) => l.replayed?.outcome)).toEqual(['stored', 'rejected', undefined]);
      expect((await dlq.list({ pendingOnly: true })).letters.map((l) => l.reason)).toEqual(['y', 'z']);
      // the last outcome wins
      await dlq.markReplayed(y!.dlqSeq, { at: new Date().toISOString(), outcome: 'duplicate' });
      expect((await dlq.list({ pendingOnly: true, limit: 1 })).letters.map((l) => l.reason)).toEqual(['z']);
    });

    it('cuts a huge payload and says how long it was', async () => {
      const dlq = await harness.open();
      await dlq.put(letter('big', 'intake', { payload: 'x'.repeat(MAX_DEAD_LETTER_PAYLOAD + 10) }));
      const [big] = (await dlq.list()).letters;
      expect(big!.payload).toHaveLength(MAX_DEAD_LETTER_PAYLOAD);
      expect(big!.payloadTruncatedFrom).toBe(MAX_DEAD_LETTER_PAYLOAD + 10);
    });

    it("erases the letters of an erased customer's journeys, keeping their reasons; nothing of theirs stays on disk; erasing again finds none", async () => {
      const dlq = await harness.open();
      const secret = 'Ms Erasable Person, 12 Private Lane';
      const ofJourney = (reason: string, journeyId: string, extra: Record<string, unknown> = {}) =>
        letter(reason, 'intake', { payload: JSON.stringify({ journeyId, type: 'CustomerNotified', data: { message: `${secret} (${reason})` }, ...extra }), detail: `${secret}: bad` });
      await dlq.put(ofJourney('invalid_event', 'J-ERASED'));
      await dlq.put(ofJourney('invalid_event', 'J-KEPT'));
      await dlq.put(ofJourney('invalid_event', 'J-ERASED-2'));
      // Invalid JSON naming the customer reference; an array (a batch) naming an erased journey.
      await dlq.put(letter('invalid_json', 'intake', { payload: `{"journeyId": "J-OTHER", "data": {"customerRef": "CUST-9", "message": "${secret}"`, detail: 'Unexpected end' }));
      await dlq.put(letter('invalid_event', 'intake', { payload: JSON.stringify([{ journeyId: 'J-KEPT-2' }, { journeyId: 'J-ERASED' }]) }));
      const [, kept] = (await dlq.list()).letters;
      await dlq.markReplayed((await dlq.list()).letters[0]!.dlqSeq, { at: new Date().toISOString(), outcome: 'rejected', detail: secret });

      const at = new Date('2026-12-02T12:00:00Z');
      expect(await dlq.erase({ journeyIds: new Set(['J-ERASED', 'J-ERASED-2']), customerRef: 'CUST-9' }, at)).toBe(4);
      const after = (await dlq.list()).letters;
      expect(after).toHaveLength(5);
      const erased = after.filter((l) => l.erasedAt !== undefined);
      expect(erased.map((l) => l.reason).sort()).toEqual(['invalid_event', 'invalid_event', 'invalid_event', 'invalid_json']);
      for (const l of erased) {
        expect(l).toMatchObject({ payload: '[erased]', erasedAt: at.toISOString(), departmentSlug: 'intake', subject: 'journey.events.intake.WorkStarted' });
        expect(l.problems.map((p) => [p.path, p.code, p.message])).toEqual([['data.activity', 'invalid_type', '[erased]']]);
        expect(JSON.stringify(l)).not.toContain(secret);
        expect(l.replayed).toBeUndefined();
      }
      // The other customer's letter is untouched, payload and all.
      expect(after.find((l) => l.erasedAt === undefined)).toMatchObject({ payload: kept!.payload, detail: kept!.detail, dlqSeq: kept!.dlqSeq });
      // Nothing left to re-drive in an erased letter.
      expect((await dlq.list({ pendingOnly: true })).letters.map((l) => l.payload)).toEqual([kept!.payload]);
      if (harness.bytesOnDisk) {
        const disk = harness.bytesOnDisk();
        const count = (needle: string) => disk.toString('latin1').split(needle).length - 1;
        // The kept letter still holds the text twice (payload and detail); the erased ones, never.
        expect(count(secret)).toBe(2);
      }
      expect(await dlq.erase({ journeyIds: new Set(['J-ERASED', 'J-ERASED-2']), customerRef: 'CUST-9' }, at)).toBe(0);
    });

    it.skipIf(!harness.reopen)('keeps its letters and re-drive records across a restart', async () => {
      const dlq = await harness.open();
      await dlq.put(letter('survives'), { dedupeKey: 'k' });
      const [l] = (await dlq.list()).letters;
      await dlq.markReplayed(l!.dlqSeq, { at: new Date().toISOString(), outcome: 'rejected' });
      const again = await harness.reopen!();
      await again.put(letter('survives'), { dedupeKey: 'k' });
      const letters = (await again.list()).letters;
      expect(letters.map((x) => [x.reason, x.replayed?.outcome])).toEqual([['survives', 'rejected']]);
      expect(await again.problems()).toEqual([]);
    });
  });
}
