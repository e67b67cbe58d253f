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
 * Given `journey serve` on a real nats-server and a department load arriving over NATS and
 * over HTTP, when the serving process is SIGKILLed at five random moments and started again
 * each time, then every event whose sender got an acknowledgement is stored exactly once,
 * nothing is dead-lettered, the chain verifies, and the read models of the restarted
 * process equal a rebuild from scratch — also after a graceful restart from the checkpoint.
 *
 * CI scale: 20 000 events; RELIABILITY_SCALE=full: 50 000 (the figure).
 */
const EVENTS = FULL_SCALE ? 50_000 : 20_000;
const ROUNDS = 5;
/** The load is paced over about the time the five rounds take, so every kill lands in it. */
const LOAD_SECONDS = 15;
const AS_OF = '2026-01-20T00:00:00Z';

describe.skipIf(!natsServerAvailable())('crash: journey serve killed during a load over NATS', () => {
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
    `keeps every acknowledged event exactly once through ${ROUNDS} SIGKILLs, and the read models equal a rebuild`,
    async () => {
      const rand = seededRandom('crash-serve');
      nats = await startNatsServer();
      dir = tempDir('journeys-crash-serve-');
      const db = join(dir.path, 'journeys.db');
      const secret = randomBytes(32).toString('base64url');
      const env = { JOURNEY_STORE: `sqlite:${db}`, NATS_URL: nats.url, JOURNEY_AUTH_SECRET: secret };
      const auth = createAuth({ secret });
      const adminToken = await auth.sign({ role: 'admin' });
      const analystToken = await auth.sign({ role: 'analyst' });

      // Given the serving process and a load of EVENTS events, half over NATS, half over HTTP
      serve = await startServeProcess({ env });
      let up = true;
      bus = await connectNatsBus({ servers: nats.url, name: 'crash-test-sender' });
      const events = liveLoad(EVENTS, 'crash');
      const stats: SendStats = { acked: new Set(), retries: 0, busAcks: 0, httpAcks: 0 };
      let sendError: unknown;
      const sending = sendAll({ events, bus, batch: 250, httpUrl: () => (up ? serve!.url : undefined), token: adminToken, stats, ratePerSecond: EVENTS / LOAD_SECONDS }).catch(
        (err: unknown) => (sendError = err),
      );
      store = getSQLiteEventStore({ path: db });

      // When it is SIGKILLed at random moments while the load runs, and started again each time
      const kills: Array<{ round: number; afterMs: number; storedAtKill: number; ackedAtKill: number }> = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const afterMs = rand.between(300, 2500);
        await new Promise((r) => setTimeout(r, afterMs));
        up = false;
        await serve.kill();
        kills.push({ round, afterMs, storedAtKill: await store.headPosition(), ackedAtKill: stats.acked.size });
        await new Promise((r) => setTimeout(r, rand.between(0, 500)));
        serve = await startServeProcess({ env });
        up = true;
      }
      await sending;
      expect(sendError).toBeUndefined();
      console.log(`[crash-serve] kills: ${JSON.stringify(kills)}; retries ${stats.retries}, acked over NATS ${stats.busAcks}, over HTTP ${stats.httpAcks}`);
      // the kills really landed during the load
      expect(kills.filter((k) => k.ackedAtKill < EVENTS).length).toBeGreaterThanOrEqual(3);

      // Then, once ingest has caught up (un-acked deliveries of a killed process come back after the ack wait)
      await waitFor('every event stored', async () => (await store!.headPosition()) >= EVENTS, 120_000);
      await waitForConsumerDrained(bus);
      const sent = new Set(events.map((e) => e.id));
      expect(stats.acked.size).toBe(EVENTS);
      const { stored } = await expectExactlyOnce(store, stats.acked, sent);
      expect(stored).toBe(EVENTS);
      expect(await bus.deadLetters()).toEqual([]);

      // and the restarted process's read models equal a rebuild from scratch
      const reference = await rebuildDigest(store, AS_OF);
      const sample = (ids: string[]) => ids.filter((_, i) => i % 25 === 0);
      await waitFor('the projections to catch up', async () => {
        const ready = await fetch(`${serve!.url}/readyz`);
        const body = (await ready.json()) as { checks?: { projections?: { lag?: number } } };
        return body.checks?.projections?.lag === 0;
      });
      const { position: _p, ...expected } = reference;
      const expectedSampled = { ...expected, statuses: Object.fromEntries(sample(Object.keys(expected.statuses).sort()).map((id) => [id, expected.statuses[id]])) };
      expect(reference.journeys).toBe(EVENTS / 10);
      expect(await httpDigest(serve.url, analystToken, AS_OF, sample)).toEqual(expectedSampled);

      // and after a graceful restart, resuming from the projections' checkpoint, still the same
      await serve.stop();
      serve = await startServeProcess({ env });
      expect(serve.stderr()).toMatch(/projections resumed from their checkpoint/);
      expect(await httpDigest(serve.url, analystToken, AS_OF, sample)).toEqual(expectedSampled);
    },
    240_000,
  );
});
