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
  allowDrops?: boolean;
  rejects?: string;
  maxBytes?: string;
  maxDepth?: string;
  maxTraceEvents?: string;
  maxRecord?: string;
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
    .option('--strict', 'import nothing if any row would be dropped (the default unless --allow-drops or --rejects)')
    .option('--rejects <file>', 'import the good rows and write every bad one to this file (JSON lines, mode 0600); exit 4 unless --allow-drops')
    .option('--allow-drops', 'import the good rows and exit 0 even when some are dropped')
    .option('--max-bytes <size>', 'refuse a log that decompresses to more than this (e.g. 8G, 500M)', '8G')
    .option('--max-depth <n>', 'refuse XES nested deeper than this', '64')
    .option('--max-trace-events <n>', 'refuse a trace (journey) with more events than this', '100000')
    .option('--max-record <chars>', 'refuse a CSV record or JSON line longer than this', '1048576')
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
      const limits = {
        maxDecompressedBytes: parseSize(flags.maxBytes ?? '8G', '--max-bytes'),
        maxDepth: positiveInt(flags.maxDepth ?? '64', '--max-depth'),
        maxEventsPerTrace: positiveInt(flags.maxTraceEvents ?? '100000', '--max-trace-events'),
        maxRecordChars: positiveInt(flags.maxRecord ?? '1048576', '--max-record'),
      };
      // Bad rows never vanish quietly: they refuse the file, or are listed (--rejects), or are dropped on purpose (--allow-drops).
      const strict = flags.strict === true || (flags.allowDrops !== true && flags.rejects === undefined);
      const batchSize = Number(flags.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new CliError('--batch-size must be a positive integer');
      if (flags.delimiter !== undefined && flags.delimiter.length !== 1 && flags.delimiter !== '\\t') {
        throw new CliError('--delimiter must be one character (\\t for tab)');
      }
      const { loadConfig } = await import('../config.ts');
      const config = loadConfig(flags.store ? { ...process.env, JOURNEY_STORE: flags.store } : process.env);
      const { openReachableStore } = await import('../existing-store.ts');
      const { shreddedStore } = await import('../audit-setup.ts');
      const store = shreddedStore(config, await openReachableStore(config.store));
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
          strict,
          limits,
          ...(flags.rejects !== undefined ? { rejectsFile: flags.rejects } : {}),
          onProgress: (p) => progress.update(p.phase, p.done, p.total, p.phase === 'read' ? 'bytes' : 'events'),
        });
        progress.stop();
        // A file that yields no event at all (empty, or every row dropped) is bad input, not a success.
        const noEvents = () =>
          new CliError(`no event could be read from ${file}${result.droppedTotal > 0 ? ` (${result.droppedTotal} rows dropped)` : ''}; nothing was imported`, 2);
        const dropsRefused = () =>
          new CliError(`${result.droppedTotal} row(s) were not imported${flags.rejects !== undefined ? ` (listed in ${flags.rejects})` : ''}; the others were. Pass --allow-drops to accept that`, 4);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          if (result.events === 0) throw noEvents();
          if (result.droppedTotal > 0 && flags.allowDrops !== true) throw dropsRefused();
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
        if (result.droppedTotal > 0 && flags.allowDrops !== true) throw dropsRefused();
      } catch (err) {
        progress.stop();
        if (err instanceof LogFormatError)
          throw new CliError(`${err.message}${/nothing was imported/.test(err.message) ? '' : '; nothing was imported'}${strict && /cannot be imported/.test(err.message) ? ' (--rejects <file> imports the good rows and lists the bad ones; --allow-drops accepts dropping them)' : ''}`, 2);
        if (err instanceof ImportAppendError) throw new CliError(err.message, 3);
        throw err;
      } finally {
        await store.close();
      }
    });
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d{1,12}$/.test(text) || n < 1) throw new CliError(`${flag} must be a positive integer`);
  return n;
}

function parseSize(text: string, flag: string): number {
  const m = /^(\d{1,12})\s*([KMGT]i?B?|B)?$/i.exec(text.trim());
  if (!m) throw new CliError(`${flag} must be a size such as 500M or 8G`);
  const unit = (m[2] ?? 'B').toUpperCase()[0]!;
  const n = Number(m[1]) * ({ B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 } as Record<string, number>)[unit]!;
  if (n < 1) throw new CliError(`${flag} must be positive`);
  return n;
}
