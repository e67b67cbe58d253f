import type { Command } from 'commander';

/**
 * `journey rebuild`: throws the projections' checkpoint away and rebuilds every read model
 * from the first event in the store, with a progress bar; then writes a fresh checkpoint
 * (beside the embedded store) that `journey serve` continues from.
 */
export function register(program: Command): void {
  program
    .command('rebuild')
    .description('rebuild every projection from the first event in the store (JOURNEY_STORE)')
    .option('--batch-size <n>', 'events applied per batch', '5000')
    .option('--no-progress', 'no progress bar (e.g. when the output is a log)')
    .action(async (opts: { batchSize: string; progress: boolean }) => {
      const fs = await import('node:fs/promises');
      const path = await import('node:path');
      const { CliError } = await import('../errors.ts');
      const { loadConfig, projectionCheckpointDir } = await import('../config.ts');
      const { openExistingStore } = await import('../existing-store.ts');
      const { createProjectionRunner, writeSnapshot, SNAPSHOT_FILE } = await import('@journeys/projections');
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new CliError(`--batch-size must be a positive integer, not ${JSON.stringify(opts.batchSize)}`);

      const config = loadConfig();
      const store = await openExistingStore(config);
      const checkpointDir = projectionCheckpointDir(config);
      try {
        // Progress in events counted by the store, never in positions (EventStoreDB's are byte offsets).
        const total = await store.eventsAfter(0);
        // Rebuild means from the first event: an old checkpoint would only be continued from.
        if (checkpointDir) await fs.rm(path.join(checkpointDir, SNAPSHOT_FILE), { force: true });
        const started = performance.now();
        const { progressBar } = await import('../progress.ts');
        const bar = opts.progress ? progressBar('rebuild', total, 'events') : undefined;
        const runner = createProjectionRunner({
          store,
          batchSize,
          onProgress: () => {
            const applied = runner.queries.eventCount;
            bar?.update(applied, applied > total ? applied : undefined);
          },
        });
        await runner.start();
        await runner.waitUntilCaughtUp();
        await runner.stop();
        bar?.update(runner.queries.eventCount);
        bar?.stop();
        const seconds = (performance.now() - started) / 1000;
        const model = runner.queries;
        if (checkpointDir) await writeSnapshot(checkpointDir, model, store);
        const handoffs = model.handoffs();
        const rate = seconds > 0 ? Math.round(model.eventCount / seconds) : model.eventCount;
        process.stdout.write(
          `rebuilt ${model.journeys.size} journeys from ${model.eventCount} events (position ${model.position}) in ${seconds.toFixed(1)} s, ${rate} events/s; ` +
            `${handoffs.handoffs} handoffs over ${handoffs.pairs.length} department pairs` +
            (checkpointDir ? `; checkpoint written to ${checkpointDir}` : '') +
            '\n',
        );
      } finally {
        await store.close();
      }
    });
}
