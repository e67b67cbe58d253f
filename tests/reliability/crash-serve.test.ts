import { describe, expect, it } from 'vitest';
import { natsServerAvailable } from '../support/nats.ts';
import { startServeProcess } from '../support/serve-process.ts';
import { expectEveryEventStoredOnce, expectReadModelsEqualRebuild, expectSameFigures, useCrashRig } from './support/crash-rig.ts';
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
/**
 * The load is paced over longer than three rounds can take (up to 3 s of waiting and a
 * restart of `journey serve` under tsx, 2-4 s on CI, each), so at least three kills land in it.
 */
const LOAD_SECONDS = 30;
const AS_OF = '2026-01-20T00:00:00Z';

describe.skipIf(!natsServerAvailable())('crash: journey serve killed during a load over NATS', () => {
  const crash = useCrashRig('crash-serve');

  it(
    `keeps every acknowledged event exactly once through ${ROUNDS} SIGKILLs, and the read models equal a rebuild`,
    async () => {
      const rand = seededRandom('crash-serve');
      // Given the serving process and a load of EVENTS events, half over NATS, half over HTTP
      const rig = await crash.start();
      const adminToken = await rig.auth.sign({ role: 'admin' });
      const analystToken = await rig.auth.sign({ role: 'analyst' });
      let up = true;
      const events = liveLoad(EVENTS, 'crash');
      const stats: SendStats = { acked: new Set(), retries: 0, busAcks: 0, httpAcks: 0 };
      let sendError: unknown;
      const sending = sendAll({ events, bus: rig.bus, batch: 250, httpUrl: () => (up ? rig.serve.url : undefined), token: adminToken, stats, ratePerSecond: EVENTS / LOAD_SECONDS }).catch(
        (err: unknown) => (sendError = err),
      );

      // When it is SIGKILLed at random moments while the load runs, and started again each time
      const kills: Array<{ round: number; afterMs: number; storedAtKill: number; ackedAtKill: number }> = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const afterMs = rand.between(300, 2500);
        await new Promise((r) => setTimeout(r, afterMs));
        up = false;
        await rig.serve.kill();
        kills.push({ round, afterMs, storedAtKill: await rig.store.eventsAfter(0), ackedAtKill: stats.acked.size });
        await new Promise((r) => setTimeout(r, rand.between(0, 500)));
        rig.serve = await startServeProcess({ env: rig.env });
        up = true;
      }
      await sending;
      expect(sendError).toBeUndefined();
      console.log(`[crash-serve] kills: ${JSON.stringify(kills)}; retries ${stats.retries}, acked over NATS ${stats.busAcks}, over HTTP ${stats.httpAcks}`);
      // the kills really landed during the load
      expect(kills.filter((k) => k.ackedAtKill < EVENTS).length).toBeGreaterThanOrEqual(3);

      // Then every acknowledged event is stored exactly once
      await expectEveryEventStoredOnce(rig, events, stats.acked);

      // and the restarted process's read models equal a rebuild from scratch
      const rebuilt = await expectReadModelsEqualRebuild(rig, analystToken, AS_OF);
      expect(rebuilt.reference.journeys).toBe(EVENTS / 10);

      // and after a graceful restart, resuming from the projections' checkpoint, still the same
      await rig.serve.stop();
      rig.serve = await startServeProcess({ env: rig.env });
      expect(rig.serve.stderr()).toMatch(/read store .* resumed from its checkpoint/);
      expectSameFigures(await rebuilt.overHttp(rig.serve.url), rebuilt.expected);
    },
    240_000,
  );
});
