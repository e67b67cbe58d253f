import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { getSQLiteEventStore } from '@journeys/event-store';
import { createProjectionRunner } from '@journeys/projections';
import { digestOf, rebuildDigest } from '../support/read-models.ts';
import { runAndKillAfterAcks } from '../support/kill-after-acks.ts';
import { tempDir } from '../ingest/helpers.ts';
import { seededRandom } from './support/load.ts';

/**
 * Given a process appending batches of 1–400 events as fast as it can, its projections
 * snapshotting their checkpoint every 50 ms, when it is SIGKILLed at a random moment (five
 * rounds on the same store), then after each kill: every acknowledged batch is stored whole,
 * no partial batch exists (at most the one in flight, whole or absent), the chain verifies,
 * and projections resuming from whatever checkpoint the killed process left equal a rebuild
 * from scratch.
 */
const WRITER = fileURLToPath(new URL('./support/append-writer.ts', import.meta.url));
const ROUNDS = 5;
const AS_OF = '2026-02-20T00:00:00Z';

describe('crash: a process killed in the middle of an append batch', () => {
  const dir = tempDir('journeys-crash-append-');
  afterAll(() => dir.remove());

  it(
    `keeps acknowledged batches whole, leaves no partial batch, and its projections resume equal to a rebuild (${ROUNDS} rounds)`,
    async () => {
      const rand = seededRandom('crash-append');
      const db = join(dir.path, 'journeys.db');
      const readStorePath = join(dir.path, 'journeys.read.db');
      const ackedAll = new Set<string>();
      const summary: Array<{ round: number; delayMs: number; acked: number; inFlightStored: number; resumed: boolean }> = [];

      for (let round = 1; round <= ROUNDS; round++) {
        // When the writer is killed at a random moment
        const delayMs = rand.between(50, 1500);
        // (the random moment counts from the first acknowledged batch: the process is under way)
        const acked = await runAndKillAfterAcks({ script: WRITER, args: [db, readStorePath, String(round)], killAfter: 1, delayMs });
        for (const label of acked) ackedAll.add(label);

        // Then every batch in the store is whole, and every acknowledged one is there
        const store = getSQLiteEventStore({ path: db });
        try {
          const batches = new Map<string, number>();
          for await (const e of store.readAll()) {
            const label = e.event.correlationId ?? '(none)';
            batches.set(label, (batches.get(label) ?? 0) + 1);
          }
          const partial = [...batches].filter(([label, n]) => Number(/-n(\d+)$/.exec(label)?.[1]) !== n);
          expect(partial).toEqual([]);
          const missing = [...ackedAll].filter((label) => !batches.has(label));
          expect(missing).toEqual([]);
          const unacked = [...batches.keys()].filter((label) => !ackedAll.has(label));
          // at most one batch per round was in flight at the kill: stored whole or not at all
          expect(unacked.length).toBeLessThanOrEqual(round);
          const total = [...batches.values()].reduce((a, b) => a + b, 0);
          expect(await store.verify()).toMatchObject({ ok: true, checked: total });

          // and the read store the killed process left, caught up, equals a rebuild
          const resumed = createProjectionRunner({ store, readStorePath });
          await resumed.start();
          await resumed.waitForPosition(await store.headPosition());
          const fromCheckpoint = digestOf(resumed.queries, AS_OF);
          const resumedFromCheckpoint = resumed.resumed?.resumed ?? false;
          await resumed.stop();
          expect(fromCheckpoint).toEqual(await rebuildDigest(store, AS_OF));
          summary.push({ round, delayMs, acked: acked.length, inFlightStored: unacked.length, resumed: resumedFromCheckpoint });
        } finally {
          await store.close();
        }
      }
      console.log(`[crash-append] ${JSON.stringify(summary)}`);
    },
    180_000,
  );
});
