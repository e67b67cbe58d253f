import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNatsBus, type NatsBus } from '@journeys/bus';
import { getSQLiteEventStore } from '@journeys/event-store';
import { natsDigestPublisher, openKeyRing, readDigests, startDigestSigner } from '../../services/audit/src/index.ts';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../support/nats.ts';

/** Issue 13 § 1: digests also go to JetStream (JOURNEY_AUDIT), a copy the store's host cannot rewrite. */
const available = natsServerAvailable();
let nats: NatsServerHandle;
let bus: NatsBus;
let dir: string;

beforeAll(async () => {
  if (!available) return;
  nats = await startNatsServer();
  bus = await connectNatsBus({ servers: nats.url });
  dir = mkdtempSync(join(tmpdir(), 'journeys-digest-nats-'));
});

afterAll(async () => {
  await bus?.close();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('digests on JetStream', () => {
  it('publishes each signed digest on journey.audit.digests, the same record as the file', async () => {
    const store = getSQLiteEventStore({ path: join(dir, 'j.db') });
    try {
      await store.append('journey-n1', [
        { id: randomUUID(), type: 'WorkStarted', journeyId: 'n1', department: 'Intake', occurredAt: '2026-03-02T10:00:00Z', schemaVersion: 1, data: { activity: 'Check' } },
      ]);
      const file = join(dir, 'digests.jsonl');
      const signer = startDigestSigner({ store, keys: openKeyRing(join(dir, 'keys')), file, pollMs: 3_600_000, publish: await natsDigestPublisher(bus.connection) });
      const record = await signer.signNow();
      await signer.stop();
      const reply = await bus.connection.request('$JS.API.STREAM.MSG.GET.JOURNEY_AUDIT', JSON.stringify({ last_by_subj: 'journey.audit.digests' }), { timeout: 5000 });
      const body = reply.json<{ message: { data: string } }>();
      const published = JSON.parse(Buffer.from(body.message.data, 'base64').toString('utf8')) as unknown;
      expect(published).toEqual(record);
      expect(readDigests(file)).toEqual([record]);
    } finally {
      await store.close();
    }
  });
});
