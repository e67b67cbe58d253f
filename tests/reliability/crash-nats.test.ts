import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createAuth } from '@journeys/api';
import { connectNatsBus, type NatsBus } from '@journeys/bus';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../support/nats.ts';
import { httpDigest, rebuildDigest } from '../support/read-models.ts';
import { startServeProcess, type ServeProcess } from '../support/serve-process.ts';
import { tempDir } from '../ingest/helpers.ts';
import { expectExactlyOnce, waitFor, waitForConsumerDrained } from './support/checks.ts';
import { FULL_SCALE, liveLoad, seededRandom, sendAll, type SendStats } from './support/load.ts';

/**
 * Given `journey serve` on a nats-server and departments publishing over NATS and over the
 * HTTP ingress, when the nats-server is SIGKILLed at five random moments (and restarted on
 * its own store after a random pause), then senders see failures (bus results `ok: false`,
 * HTTP 503 naming `accepted`/`notAccepted`), resend those with the same ids, and in the end
 * every acknowledged event is stored exactly once, nothing is dead-lettered, and the read
 * models equal a rebuild.
 *
 * CI scale: 10 000 events; RELIABILITY_SCALE=full: 30 000.
 */
const EVENTS = FULL_SCALE ? 30_000 : 10_000;
const ROUNDS = 5;
const AS_OF = '2026-01-20T00:00:00Z';

describe.skipIf(!natsServerAvailable())('crash: nats-server killed while departments publish', () => {
  let nats: NatsServerHandle | undefined;
  let dir: ReturnType<typeof tempDir> | undefined;
  let bus: NatsBus | undefined;
  let store: EventStore | undefined;
  let serve: ServeProcess | undefined;

  afterAll(async () => {
    await serve?.kill();
    await bus?.close();
    await store?.close();
    await nats?.stop();
    dir?.remove();
  });

  it(
    `keeps every acknowledged event exactly once through ${ROUNDS} nats-server SIGKILLs`,
    async () => {
      const rand = seededRandom('crash-nats');
      nats = await startNatsServer();
      dir = tempDir('journeys-crash-nats-');
      const db = join(dir.path, 'journeys.db');
      const secret = randomBytes(32).toString('base64url');
      const auth = createAuth({ secret });
      serve = await startServeProcess({ env: { JOURNEY_STORE: `sqlite:${db}`, NATS_URL: nats.url, JOURNEY_AUTH_SECRET: secret } });
      bus = await connectNatsBus({ servers: nats.url, name: 'crash-nats-sender' });
      store = getSQLiteEventStore({ path: db });

      // Given a load over NATS and HTTP
      const events = liveLoad(EVENTS, 'natskill');
      const stats: SendStats = { acked: new Set(), retries: 0, busAcks: 0, httpAcks: 0 };
      let sendError: unknown;
      let sendingDone = false;
      const sending = sendAll({ events, bus, batch: 200, httpUrl: () => serve!.url, token: await auth.sign({ role: 'admin' }), stats, ratePerSecond: EVENTS / 8 })
        .catch((err: unknown) => (sendError = err))
        .finally(() => (sendingDone = true));

      // When the nats-server is SIGKILLed at random moments and comes back on its store
      const kills: Array<{ round: number; afterMs: number; downMs: number; ackedAtKill: number }> = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const afterMs = rand.between(300, 2000);
        const downMs = rand.between(0, 1000);
        await new Promise((r) => setTimeout(r, afterMs));
        kills.push({ round, afterMs, downMs, ackedAtKill: stats.acked.size });
        await nats.restart({ kill: true, downMs });
      }
      await sending;
      expect(sendError).toBeUndefined();
      expect(sendingDone).toBe(true);
      console.log(`[crash-nats] kills: ${JSON.stringify(kills)}; retries ${stats.retries}, acked over NATS ${stats.busAcks}, over HTTP ${stats.httpAcks}`);
      expect(kills.filter((k) => k.ackedAtKill < EVENTS).length).toBeGreaterThanOrEqual(3);
      expect(stats.retries).toBeGreaterThan(0); // the outages were felt by the senders

      // Then every acknowledged event is stored exactly once
      await waitFor('every event stored', async () => (await store!.headPosition()) >= EVENTS, 120_000);
      await waitForConsumerDrained(bus);
      expect(stats.acked.size).toBe(EVENTS);
      const { stored } = await expectExactlyOnce(store, stats.acked, new Set(events.map((e) => e.id)));
      expect(stored).toBe(EVENTS);
      expect(await bus.deadLetters()).toEqual([]);

      // and the read models equal a rebuild
      const { position: _p, ...expected } = await rebuildDigest(store, AS_OF);
      const sample = (ids: string[]) => ids.filter((_, i) => i % 25 === 0);
      const expectedSampled = { ...expected, statuses: Object.fromEntries(sample(Object.keys(expected.statuses).sort()).map((id) => [id, expected.statuses[id]])) };
      await waitFor('the projections to catch up', async () => {
        const body = (await (await fetch(`${serve!.url}/readyz`)).json()) as { checks?: { projections?: { lag?: number } } };
        return body.checks?.projections?.lag === 0;
      });
      expect(await httpDigest(serve.url, await auth.sign({ role: 'analyst' }), AS_OF, sample)).toEqual(expectedSampled);
    },
    240_000,
  );
});
