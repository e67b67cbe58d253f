import { describe, expect, it } from 'vitest';
import { natsServerAvailable } from '../support/nats.ts';
import { expectEveryEventStoredOnce, expectReadModelsEqualRebuild, useCrashRig } from './support/crash-rig.ts';
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
  const crash = useCrashRig('crash-nats');

  it(
    `keeps every acknowledged event exactly once through ${ROUNDS} nats-server SIGKILLs`,
    async () => {
      const rand = seededRandom('crash-nats');
      const rig = await crash.start();

      // Given a load over NATS and HTTP
      const events = liveLoad(EVENTS, 'natskill');
      const stats: SendStats = { acked: new Set(), retries: 0, busAcks: 0, httpAcks: 0 };
      let sendError: unknown;
      let sendingDone = false;
      const sending = sendAll({ events, bus: rig.bus, batch: 200, httpUrl: () => rig.serve.url, token: await rig.auth.sign({ role: 'admin' }), stats, ratePerSecond: EVENTS / 8 })
        .catch((err: unknown) => (sendError = err))
        .finally(() => (sendingDone = true));

      // When the nats-server is SIGKILLed at random moments and comes back on its store
      const kills: Array<{ round: number; afterMs: number; downMs: number; ackedAtKill: number }> = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const afterMs = rand.between(300, 2000);
        const downMs = rand.between(0, 1000);
        await new Promise((r) => setTimeout(r, afterMs));
        kills.push({ round, afterMs, downMs, ackedAtKill: stats.acked.size });
        await rig.nats.restart({ kill: true, downMs });
      }
      await sending;
      expect(sendError).toBeUndefined();
      expect(sendingDone).toBe(true);
      console.log(`[crash-nats] kills: ${JSON.stringify(kills)}; retries ${stats.retries}, acked over NATS ${stats.busAcks}, over HTTP ${stats.httpAcks}`);
      expect(kills.filter((k) => k.ackedAtKill < EVENTS).length).toBeGreaterThanOrEqual(3);
      expect(stats.retries).toBeGreaterThan(0); // the outages were felt by the senders

      // Then every acknowledged event is stored exactly once
      await expectEveryEventStoredOnce(rig, events, stats.acked);

      // and the read models equal a rebuild
      await expectReadModelsEqualRebuild(rig, await rig.auth.sign({ role: 'analyst' }), AS_OF);
    },
    240_000,
  );
});
