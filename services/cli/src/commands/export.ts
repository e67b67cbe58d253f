import type { Command } from 'commander';
import type { ExportFormat } from '@journeys/interop';
import { CliError } from '../errors.ts';

interface ExportFlags {
  format: string;
  out?: string;
  journey?: string;
  from?: string;
  to?: string;
  store?: string;
}

export function register(program: Command): void {
  program
    .command('export')
    .description(
      'Export the stored journeys as JSON Lines (our envelope, lossless), CSV or XES (both readable by process-mining tools, and re-importable to the same events) or OCEL 2.0 JSON (object-centric: journeys and departments). With JOURNEY_CALENDARS, each XES event also carries the seconds since the previous event of its trace, elapsed and in business hours',
    )
    .requiredOption('--format <format>', 'jsonl | xes | csv | ocel')
    .option('--out <file>', 'write to this file (default: stdout)')
    .option('--journey <id>', 'only this journey')
    .option('--from <time>', 'only events that occurred at or after this ISO-8601 instant')
    .option('--to <time>', 'only events that occurred before this ISO-8601 instant')
    .option('--store <connection>', 'store (default: JOURNEY_STORE or sqlite:./data/journeys.db)')
    .action(async (flags: ExportFlags) => {
      const { exportLog, EXPORT_FORMATS, parseLogTimestamp } = await import('@journeys/interop');
      if (!(EXPORT_FORMATS as readonly string[]).includes(flags.format)) throw new CliError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
      const bound = (name: string, value: string | undefined): string | undefined => {
        if (value === undefined) return undefined;
        const instant = parseLogTimestamp(value);
        if (!instant) throw new CliError(`--${name} ${JSON.stringify(value)} is not an ISO-8601 date-time`);
        return new Date(instant.ms).toISOString();
      };
      const from = bound('from', flags.from);
      const to = bound('to', flags.to);
      const { createWriteStream } = await import('node:fs');
      const { loadConfig } = await import('../config.ts');
      const config = loadConfig(flags.store ? { ...process.env, JOURNEY_STORE: flags.store } : process.env);
      const { finished } = await import('node:stream/promises');
      const { phasedProgress } = await import('../progress.ts');
      const { openExistingStore } = await import('../existing-store.ts');
      const { loadCalendars } = await import('../config.ts');
      const calendars = await loadCalendars(config);
      const store = await openExistingStore(config);
      const out = flags.out !== undefined ? createWriteStream(flags.out) : process.stdout;
      const progress = phasedProgress('export');
      // `journey export ... | head` closes the pipe early: stop quietly, as other Unix tools do.
      let pipeClosed = false;
      out.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') pipeClosed = true;
      });
      try {
        const result = await exportLog(store, out, {
          format: flags.format as ExportFormat,
          ...(flags.journey !== undefined ? { journeyId: flags.journey } : {}),
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(calendars ? { businessMs: (department: string, t0: number, t1: number) => calendars.of(department).ms(t0, t1) } : {}),
          onProgress: (n) => progress.update('written', n, 0, 'events'),
        });
        progress.stop();
        if (out !== process.stdout) {
          out.end();
          await finished(out);
        }
        process.stderr.write(`exported ${result.events} events of ${result.journeys} journeys${flags.out ? ` to ${flags.out}` : ''}\n`);
      } catch (err) {
        progress.stop();
        if (out !== process.stdout) out.destroy();
        if (pipeClosed || (err as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw err;
      } finally {
        await store.close();
      }
    });
}
