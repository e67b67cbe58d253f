/**
 * The durable consumer deleted while ingest runs (an operator's slip, a lost cluster
 * state) is created again by the running ingest, which goes on storing: nothing published
 * after the deletion is left behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pino } from 'pino';
import { connectNatsBus, type NatsBus } from '@journeys/bus';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { startIngest, type IngestHandle } from '@journeys/ingest';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../support/nats.ts';
import { ingestUser, natsConfig, tempDir, waitFor, workStarted } from './helpers.ts';

describe.skipIf(!natsServerAvailable())('the ingest consumer disappearing', () => {
  let nats: NatsServerHandle | undefined;
  let bus: NatsBus | undefined;
  let store: EventStore | undefined;
  let ingest: IngestHandle | undefined;
  const dir = tempDir();

  afterEach(async () => {
    await ingest?.stop();
    await bus?.close();
    await store?.close();
    await nats?.stop();
    dir.remove();
  });

  it('is created again by the running ingest, which stores what comes after', async () => {
    nats = await startNatsServer({ config: natsConfig() });
    bus = await connectNatsBus({ servers: nats.url, ...ingestUser });
    store = getSQLiteEventStore({ path: join(dir.path, 'journeys.db') });
    ingest = await startIngest({ bus, store, logger: pino({ level: 'silent' }), fetchWaitMs: 200 });
    await bus.publish([workStarted('claim-1', 'Intake')]);
    await waitFor('the first event stored', async () => (await store!.eventsAfter(0)) === 1);

    const jsm = await bus.manager();
    await jsm.consumers.delete('JOURNEY_EVENTS', 'journey-ingest');
    const later = Array.from({ length: 20 }, (_, i) => workStarted(`claim-${i}`, 'Billing'));
    expect((await bus.publish(later)).every((r) => r.ok)).toBe(true);

    await waitFor('the consumer back', async () => (await jsm.consumers.info('JOURNEY_EVENTS', 'journey-ingest').catch(() => undefined)) !== undefined, 30_000);
    await waitFor('everything stored', async () => (await store!.eventsAfter(0)) === 21, 60_000);
    expect(ingest.counters.deadLettered).toBe(0);
  }, 90_000);
});
