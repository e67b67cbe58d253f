import type { Command } from 'commander';

/**
 * `journey rebuild`: builds the read store from the first event in the event store, beside
 * the one in use (`<read store>.next`, large transactions), and renames it into place once
 * complete: whoever reads the old one meanwhile never sees half-built figures. Stop
 * `journey serve` first: a running server keeps its own file open (it rebuilds by itself
 * when its fold version changes).
 */
export function register(program: Command): void {
  program
    .command('rebuild')
    .description('rebuild the read store (JOURNEY_READ_STORE) from the first event in the store (JOURNEY_STORE)')
    .option('--batch-size <n>', 'events applied per transaction', '50000')
    .option('--no-progress', 'no progress bar (e.g. when the output is a log)')
    .action(async (opts: { batchSize: string; progress: boolean }) => {
      const { mkdir } = await import('node:fs/promises');
      const { dirname } = await import('node:path');
      const { CliError } = await import('../errors.ts');
      const { loadConfig } = await import('../config.ts');
      const { openExistingStore } = await import('../existing-store.ts');
      const { rebuildBeside, openReadStore } = await import('@journeys/projections');
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new CliError(`--batch-size must be a positive integer, not ${JSON.stringify(opts.batchSize)}`);

      const config = loadConfig();
      const { loadCalendars } = await import('../config.ts');
      const calendars = await loadCalendars(config);
      const store = await openExistingStore(config);
      try {
        // Progress in events counted by the store, never in positions (EventStoreDB's are byte offsets):
        // the runner reports the position it reached, the store says how many events are left after it.
        const total = await store.eventsAfter(0);
        await mkdir(dirname(config.readStore), { recursive: true });
        const { progressBar } = await import('../progress.ts');
        const bar = opts.progress ? progressBar('rebuild', total, 'events') : undefined;
        const result = await rebuildBeside({
          store,
          path: config.readStore,
          batchSize,
          ...(calendars ? { calendars } : {}),
          onProgress: bar
            ? (applied) =>
                void store.eventsAfter(applied).then(
                  (left) => bar.update(Math.max(0, total - left)),
                  () => undefined,
                )
            : undefined,
        });
        bar?.stop();
        const rs = openReadStore({ path: config.readStore, readonly: true, ...(calendars ? { calendars } : {}) });
        const handoffs = rs.handoffs();
        rs.close();
        const rate = result.seconds > 0 ? Math.round(result.events / result.seconds) : result.events;
        process.stdout.write(
          `rebuilt ${result.journeys} journeys from ${result.events} events (position ${result.position}) in ${result.seconds.toFixed(1)} s, ${rate} events/s; ` +
            `${handoffs.handoffs} handoffs over ${handoffs.pairs.length} department pairs; read store ${config.readStore}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
