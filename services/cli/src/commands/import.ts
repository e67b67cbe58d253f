import type { Command } from 'commander';
import { CliError } from '../errors.ts';

interface ImportFlags {
  format?: string;
  case?: string;
  activity?: string;
  timestamp?: string;
  group?: string;
  resource?: string;
  lifecycle?: string;
  delimiter?: string;
  batchSize?: string;
  strict?: boolean;
  json?: boolean;
  store?: string;
  ocelObjectType?: string;
}

export function register(program: Command): void {
  program
    .command('import')
    .description(
      'Import an event log (XES, XES.gz, CSV, JSON Lines of Journeys events) into the store. ' +
        'The whole file is parsed and validated before anything is appended (a malformed file imports nothing); ' +
        'event ids are deterministic, so an interrupted import is completed, and a finished one left unchanged, by running it again.',
    )
    .argument('<file>', 'file.xes | file.xes.gz | file.csv | file.jsonl | file.jsonocel')
    .option('--format <format>', 'xes | csv | jsonl | ocel (default: from the file name; .jsonocel and .ocel.json are OCEL 2.0)')
    .option('--ocel-object-type <type>', 'OCEL 2.0: the object type whose objects are the journeys (implies --format ocel; default journey)')
    .option('--case <column>', 'case id column (CSV)', 'case:concept:name')
    .option('--activity <key>', 'activity attribute/column', 'concept:name')
    .option('--timestamp <key>', 'timestamp attribute/column', 'time:timestamp')
    .option('--group <key>', 'department attribute/column', 'org:group')
    .option('--resource <key>', 'actor attribute/column (department when the log has no groups)', 'org:resource')
    .option('--lifecycle <key>', 'lifecycle transition attribute/column', 'lifecycle:transition')
    .option('--delimiter <char>', 'CSV field delimiter (default: ",", tab for .tsv; \\t for tab)')
    .option('--batch-size <n>', 'events per append', '500')
    .option('--strict', 'import nothing if any row would be dropped')
    .option('--json', 'print the result as JSON')
    .option('--store <connection>', 'store (default: JOURNEY_STORE or sqlite:./data/journeys.db)')
    .action(async (file: string, flags: ImportFlags) => {
      const { importLog, describeDropped, LogFormatError, ImportAppendError, LOG_FORMATS } = await import('@journeys/interop');
      if (flags.format !== undefined && !(LOG_FORMATS as readonly string[]).includes(flags.format)) {
        throw new CliError(`--format must be one of ${LOG_FORMATS.join(', ')}`);
      }
      if (flags.ocelObjectType !== undefined) {
        if (flags.format !== undefined && flags.format !== 'ocel') throw new CliError('--ocel-object-type applies to --format ocel only');
        if (flags.ocelObjectType.trim() === '') throw new CliError('--ocel-object-type needs an object type name');
        flags.format = 'ocel';
      }
      const batchSize = Number(flags.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new CliError('--batch-size must be a positive integer');
      if (flags.delimiter !== undefined && flags.delimiter.length !== 1 && flags.delimiter !== '\\t') {
        throw new CliError('--delimiter must be one character (\\t for tab)');
      }
      const { loadConfig } = await import('../config.ts');
      const config = loadConfig(flags.store ? { ...process.env, JOURNEY_STORE: flags.store } : process.env);
      const { openReachableStore } = await import('../existing-store.ts');
      const store = await openReachableStore(config.store);
      const { phasedProgress } = await import('../progress.ts');
      const progress = phasedProgress('import');
      try {
        const result = await importLog(store, file, {
          ...(flags.format !== undefined ? { format: flags.format as 'xes' | 'csv' | 'jsonl' | 'ocel' } : {}),
          ...(flags.ocelObjectType !== undefined ? { ocelObjectType: flags.ocelObjectType } : {}),
          columns: {
            case: flags.case!,
            activity: flags.activity!,
            timestamp: flags.timestamp!,
            group: flags.group!,
            resource: flags.resource!,
            lifecycle: flags.lifecycle!,
          },
          ...(flags.delimiter !== undefined ? { delimiter: flags.delimiter === '\\t' ? '\t' : flags.delimiter } : {}),
          batchSize,
          strict: flags.strict === true,
          onProgress: (p) => progress.update(p.phase, p.done, p.total, p.phase === 'read' ? 'bytes' : 'events'),
        });
        progress.stop();
        // A file that yields no event at all (empty, or every row dropped) is bad input, not a success.
        const noEvents = () =>
          new CliError(`no event could be read from ${file}${result.droppedTotal > 0 ? ` (${result.droppedTotal} rows dropped)` : ''}; nothing was imported`, 2);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          if (result.events === 0) throw noEvents();
          return;
        }
        const lines = [
          `imported ${file} (${result.format})`,
          `  journeys: ${result.journeys}`,
          `  events:   ${result.events} (appended ${result.appended}, already stored ${result.duplicates})`,
          `  departments from: ${result.departmentFrom}`,
          `  dropped rows: ${result.droppedTotal}${result.droppedTotal > 0 ? ` (${describeDropped(result.dropped)})` : ''}`,
        ];
        for (const p of result.problems) lines.push(`    line ${p.line}: ${p.reason}: ${p.message}`);
        if (result.droppedTotal > result.problems.length) lines.push(`    … and ${result.droppedTotal - result.problems.length} more`);
        process.stdout.write(`${lines.join('\n')}\n`);
        if (result.events === 0) throw noEvents();
      } catch (err) {
        progress.stop();
        if (err instanceof LogFormatError) throw new CliError(`${err.message}; nothing was imported`, 2);
        if (err instanceof ImportAppendError) throw new CliError(err.message, 3);
        throw err;
      } finally {
        await store.close();
      }
    });
}
