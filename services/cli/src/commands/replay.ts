import type { Command } from 'commander';

/**
 * `journey replay --as-of <time>`: every analytic as it stood at that instant (by
 * occurredAt), printed as JSON — what `GET /api/replay?asOf=` returns.
 */
export function register(program: Command): void {
  program
    .command('replay')
    .description('print the analytics (handoffs, process map, departments) as they stood at an instant, as JSON')
    .requiredOption('--as-of <time>', 'ISO-8601 instant with an offset, e.g. 2026-03-01T09:30:00+01:00 (or a date, 2026-03-01, taken as 00:00 UTC)')
    .option('--journey-type <type>', 'only journeys of this type')
    .option('--from <time>', 'only journeys active at or after this instant')
    .option('--to <time>', 'only journeys started before this instant')
    .action(async (opts: { asOf: string; journeyType?: string; from?: string; to?: string }) => {
      const { CliError } = await import('../errors.ts');
      const asOf = instant(opts.asOf, '--as-of', CliError);
      const filter = {
        ...(opts.from !== undefined ? { from: instant(opts.from, '--from', CliError) } : {}),
        ...(opts.to !== undefined ? { to: instant(opts.to, '--to', CliError) } : {}),
        ...(opts.journeyType !== undefined ? { journeyType: opts.journeyType } : {}),
      };
      if (opts.journeyType !== undefined && (opts.journeyType.trim() === '' || opts.journeyType.length > 128)) {
        throw new CliError('--journey-type must be 1 to 128 characters');
      }
      const { existsSync } = await import('node:fs');
      const { loadConfig } = await import('../config.ts');
      const { openExistingStore } = await import('../existing-store.ts');
      const { createProjectionRunner, openReadStore } = await import('@journeys/projections');
      const config = loadConfig();
      const { loadCalendars } = await import('../config.ts');
      const calendars = await loadCalendars(config);
      const store = await openExistingStore(config);
      try {
        // A read store that a server keeps up to date is read as it is; otherwise one is built in memory.
        if (existsSync(config.readStore)) {
          const rs = openReadStore({ path: config.readStore, readonly: true, ...(calendars ? { calendars } : {}) });
          try {
            process.stdout.write(JSON.stringify(rs.replay(asOf, filter), null, 2) + '\n');
          } finally {
            rs.close();
          }
          return;
        }
        const runner = createProjectionRunner({ store, ...(calendars ? { calendars } : {}) });
        await runner.start();
        await runner.waitUntilCaughtUp();
        const answer = runner.queries.replay(asOf, filter);
        await runner.stop();
        process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
      } finally {
        await store.close();
      }
    });
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Validates an instant; returns it as ISO-8601 UTC. */
function instant(raw: string, option: string, CliError: new (message: string) => Error): string {
  const value = raw.trim();
  const ok = DATE_ONLY.test(value) || WITH_OFFSET.test(value);
  const ms = ok ? Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new CliError(`${option} ${JSON.stringify(raw)} is not a time: use ISO-8601 with an offset, e.g. 2026-03-01T09:30:00+01:00, 2026-03-01T08:30:00Z, or a date such as 2026-03-01`);
  }
  // Date.parse rolls 2026-02-30 over to March: refuse dates that do not exist.
  const iso = new Date(ms).toISOString();
  if (DATE_ONLY.test(value) && iso.slice(0, 10) !== value) throw new CliError(`${option} ${JSON.stringify(raw)} is not a calendar date`);
  return iso;
}
