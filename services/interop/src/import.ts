import { journeyStreamName, validateEvent, type JourneyEvent } from '@journeys/contracts';
import type { AppendResult, EventStore, StreamBatch } from '@journeys/event-store';
import { basename } from 'node:path';
import { closeSync, openSync, writeSync } from 'node:fs';
import { plausibilityProblems } from '@journeys/bus';
import { readCsv } from './csv-reader.ts';
import { ImportAppendError, LogFormatError } from './errors.ts';
import { LogMapper, resolveDepartment, type DropReason } from './mapping.ts';
import { DEFAULT_COLUMNS, type ColumnMapping, type LogRow } from './row.ts';
import { describeStreamError, detectFormat, openLogSource, type LogFormat, type LogSource } from './source.ts';
import { ImportSpool } from './spool.ts';
import { clip, DEFAULT_IMPORT_LIMITS, type ImportLimits } from './limits.ts';
import { readXes } from './xes-reader.ts';
import { readOcel } from './ocel-reader.ts';
import { JOURNEY_OBJECT_TYPE } from './ocel-writer.ts';

export interface ImportProgress {
  /** `read`: parsing and validating the file (done/total in file bytes); `append`: writing (in events). */
  phase: 'read' | 'append';
  done: number;
  total: number;
  /** Rows (events) read so far. */
  rows: number;
}

export interface ImportOptions {
  /** Default: from the file name (`.xes`, `.xes.gz`, `.csv`, `.jsonl`...). */
  format?: LogFormat;
  /** Which attribute/column holds each field (XES names by default). */
  columns?: Partial<ColumnMapping>;
  /** CSV field delimiter, default `,` (tab for `.tsv`). */
  delimiter?: string;
  /** Events per append (one journey stream per append). Default 500. */
  batchSize?: number;
  /**
   * Events per `appendMany` call (several journeys per commit on SQLite). Default 20 000: BPIC 2012's append phase took 15.6 s with
   * 1000, 10.3 s with 5000 and 5.3–6.8 s with 20 000 per commit (each commit rewrites the
   * index pages it touched). A commit holds the store's write lock for a fraction of a
   * second.
   */
  eventsPerCommit?: number;
  /** OCEL 2.0 import: the object type whose objects are the journeys (default `journey`, our export's). */
  ocelObjectType?: string;
  /** Refuse the whole file (append nothing) if any row would be dropped. */
  strict?: boolean;
  /**
   * Ignored since the spool became SQLite's anonymous temporary database (which leaves
   * nothing behind on any exit path); it goes where SQLITE_TMPDIR or TMPDIR say.
   */
  tmpDir?: string;
  /** Bounds on size, nesting and trace length (DEFAULT_IMPORT_LIMITS for any left out). */
  limits?: Partial<ImportLimits>;
  /**
   * Every dropped row as one JSON line (line, reason, message, the row's fields), mode 0600
   * (rows may carry personal data). Written only when a row is dropped.
   */
  rejectsFile?: string;
  onProgress?: (progress: ImportProgress) => void;
  /** How many dropped rows to describe in `problems` (all are counted). Default 20. */
  maxProblems?: number;
}

/** Why a row was not imported: the mapping's reasons, and the ingress's timestamp rule. */
export type ImportDropReason = DropReason | 'implausible time';

export interface DroppedRow {
  line: number;
  reason: ImportDropReason;
  message: string;
}

export interface ImportResult {
  file: string;
  format: LogFormat;
  /** Distinct journeys among the imported events. */
  journeys: number;
  /** Valid events in the file (appended + duplicates). */
  events: number;
  /** Events written by this run. */
  appended: number;
  /** Events the store already had (same id): a re-import appends nothing. */
  duplicates: number;
  /** Rows not imported, by reason (only reasons that occurred). */
  dropped: Partial<Record<ImportDropReason, number>>;
  droppedTotal: number;
  /** The first `maxProblems` dropped rows, with their line. */
  problems: DroppedRow[];
  /** Where departments came from: `org:group` (or the --group column), the resource column, or the events themselves (JSONL). */
  departmentFrom: string;
}

/**
 * Imports an event log into the store.
 *
 * Guarantee: **validate-all-first, then idempotent append.** The whole file is parsed,
 * mapped and validated into a temporary spool before the first append, so a malformed,
 * truncated or corrupt file (LogFormatError) — or, with `strict`, any bad row — appends
 * nothing. The append phase writes journey by journey, several journeys per `appendMany`
 * (one transaction on SQLite); event
 * ids are deterministic (UUIDv5 of the event's identity, or the id the file carries), so
 * if it is interrupted (crash, store outage: ImportAppendError) running the same import
 * again completes it, and a re-import of a complete log appends nothing.
 */
export async function importLog(store: EventStore, file: string, options: ImportOptions = {}): Promise<ImportResult> {
  const format = options.format ?? detectFormat(file).format;
  if (!format) throw new LogFormatError(`cannot tell the format of ${basename(file)} from its name; use --format xes|csv|jsonl|ocel`);
  const columns: ColumnMapping = { ...DEFAULT_COLUMNS, ...stripUndefined(options.columns ?? {}) };
  const maxProblems = options.maxProblems ?? 20;
  const batchSize = Math.max(1, options.batchSize ?? 500);

  const limits: ImportLimits = { ...DEFAULT_IMPORT_LIMITS, ...stripUndefined(options.limits ?? {}) };
  const source = await openLogSource(file, limits.maxDecompressedBytes);
  const spool = new ImportSpool();
  const dropped: Partial<Record<ImportDropReason, number>> = {};
  const problems: DroppedRow[] = [];
  let droppedTotal = 0;
  let rows = 0;
  let rejects: number | undefined;
  const drop = (line: number, reason: ImportDropReason, rawMessage: string, row?: unknown) => {
    const message = clip(rawMessage, 500);
    dropped[reason] = (dropped[reason] ?? 0) + 1;
    droppedTotal++;
    if (problems.length < maxProblems) problems.push({ line, reason, message });
    if (options.rejectsFile !== undefined) {
      rejects ??= openSync(options.rejectsFile, 'w', 0o600);
      writeSync(rejects, `${JSON.stringify({ line, reason, message, row })}\n`);
    }
  };
  /** The ingress's rule (not in the future, not before 1970), so an import cannot store what POST /api/events refuses. */
  const implausible = (event: JourneyEvent) => plausibilityProblems(event)[0]?.message;
  const spoolEvent = (line: number, event: JourneyEvent, groupless: boolean, resource: string | undefined, row: unknown) => {
    const why = implausible(event);
    if (why !== undefined) return drop(line, 'implausible time', why, row);
    if (spool.eventsOf(event.journeyId) >= limits.maxEventsPerTrace) {
      throw new LogFormatError(`journey ${JSON.stringify(clip(event.journeyId, 80))} has more than ${limits.maxEventsPerTrace} events (limit --max-trace-events)`, line);
    }
    spool.add(event.journeyId, JSON.stringify(event), groupless, resource);
  };
  const readProgress = () => options.onProgress?.({ phase: 'read', done: source.bytesRead(), total: source.size, rows });

  try {
    let departmentFrom = columns.group;
    try {
      if (format === 'jsonl') {
        departmentFrom = 'event';
        for await (const batch of readJsonl(source, limits.maxRecordChars)) {
          for (const { line, text } of batch) {
            rows++;
            let value: unknown;
            try {
              value = JSON.parse(text);
            } catch (err) {
              drop(line, 'invalid JSON', (err as Error).message, clip(text, 4096));
              continue;
            }
            const result = validateEvent(value);
            if (!result.ok) {
              drop(line, 'invalid event', result.problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; '), value);
              continue;
            }
            spoolEvent(line, result.value, false, undefined, value);
          }
          readProgress();
        }
      } else if (format === 'ocel') {
        departmentFrom = 'department objects';
        let json = '';
        for await (const chunk of source.text) json += chunk as string;
        readProgress();
        for (const item of readOcel(json, options.ocelObjectType ?? JOURNEY_OBJECT_TYPE)) {
          rows++;
          if (!item.ok) drop(item.line, item.reason, item.message);
          else spool.add(item.event.journeyId, JSON.stringify(item.event), false, undefined);
        }
      } else {
        const mapper = new LogMapper(columns);
        const batches: AsyncIterable<LogRow[]> =
          format === 'xes'
            ? readXes(source.text, limits)
            : readCsv(source.text, { columns, delimiter: options.delimiter ?? (/\.tsv(\.gz)?$/i.test(file) ? '\t' : ','), maxRecordChars: limits.maxRecordChars });
        for await (const batch of batches) {
          for (const row of batch) {
            rows++;
            const mapped = mapper.map(row);
            if (!mapped.ok) {
              drop(row.line, mapped.reason, mapped.message, rowFields(row));
              continue;
            }
            spoolEvent(row.line, mapped.event, mapped.groupless, mapped.resource, rowFields(row));
          }
          readProgress();
        }
        if (!mapper.sawGroup && spool.count > 0) departmentFrom = columns.resource;
      }
    } catch (err) {
      source.text.destroy();
      throw describeStreamError(err, basename(file));
    }
    readProgress();
    if (options.strict && droppedTotal > 0) {
      const first = problems[0];
      throw new LogFormatError(
        `${droppedTotal} row(s) of ${basename(file)} cannot be imported (${describeDropped(dropped)}); nothing was imported` +
          (first ? `. First: line ${first.line}: ${first.message}` : ''),
      );
    }

    const logHasGroups = departmentFrom !== columns.resource;
    const total = spool.count;
    let appended = 0;
    let duplicates = 0;
    const count = (results: readonly AppendResult[]) => {
      for (const result of results) {
        for (const e of result.events) {
          if (e.duplicate) duplicates++;
          else appended++;
        }
      }
    };
    const failed = (what: string, err: unknown) =>
      new ImportAppendError(
        `appending ${what} failed after ${appended + duplicates} of ${total} events: ${(err as Error).message}. ` +
          'Run the same import again to complete it (already stored events are skipped).',
        appended + duplicates,
        total,
        { cause: err },
      );
    // Many journeys per appendMany: on SQLite one commit for all of them (one transaction
    // per journey made commits most of an import's time: 13 087 for BPIC 2012).
    const appendMany = store.appendMany.bind(store);
    const eventsPerCommit = Math.max(1, options.eventsPerCommit ?? 20_000);
    let pending: StreamBatch[] = [];
    let pendingEvents = 0;
    const commit = async () => {
      if (pending.length === 0) return;
      const batches = pending;
      pending = [];
      pendingEvents = 0;
      try {
        count(await appendMany(batches));
      } catch (err) {
        const first = batches[0]!.events[0]!.journeyId;
        const last = batches[batches.length - 1]!.events[0]!.journeyId;
        throw failed(first === last ? `journey ${JSON.stringify(first)}` : `journeys ${JSON.stringify(first)} to ${JSON.stringify(last)}`, err);
      }
      options.onProgress?.({ phase: 'append', done: appended + duplicates, total, rows });
    };
    let batch: JourneyEvent[] = [];
    let current: string | undefined;
    const flush = async () => {
      if (batch.length === 0 || current === undefined) return;
      const events = batch;
      batch = [];
      pending.push({ stream: journeyStreamName(current), events });
      pendingEvents += events.length;
      if (pendingEvents >= eventsPerCommit) await commit();
    };
    for (const entry of spool.entries()) {
      if (entry.journeyId !== current || batch.length >= batchSize) {
        await flush();
        current = entry.journeyId;
      }
      const event = JSON.parse(entry.json) as JourneyEvent;
      batch.push(format === 'jsonl' || format === 'ocel' ? event : resolveDepartment(event, entry.groupless, entry.resource ?? undefined, logHasGroups));
    }
    await flush();
    await commit();

    return {
      file,
      format,
      journeys: spool.journeyCount,
      events: total,
      appended,
      duplicates,
      dropped,
      droppedTotal,
      problems,
      departmentFrom,
    };
  } finally {
    spool.close();
    if (rejects !== undefined) closeSync(rejects);
  }
}

/** A row as the rejects file shows it: its fields, each cut to a readable size. */
function rowFields(row: LogRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (row.caseId !== undefined) out.case = clip(row.caseId, 1024);
  for (const [k, v] of row.attributes) out[clip(k, 128)] = typeof v === 'string' ? clip(v, 1024) : v;
  return out;
}

export function describeDropped(dropped: Partial<Record<string, number>>): string {
  return Object.entries(dropped)
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(', ');
}

/**
 * Lines of a JSON Lines file, in batches. Hand-split rather than readline: readline buffers
 * a line of any length (a gzip bomb of one endless line ended in a RangeError), this refuses
 * a line past `maxChars` as soon as the buffer passes it.
 */
async function* readJsonl(source: LogSource, maxChars: number): AsyncGenerator<Array<{ line: number; text: string }>> {
  let n = 0;
  let rest = '';
  let batch: Array<{ line: number; text: string }> = [];
  const push = (text: string) => {
    n++;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() !== '') batch.push({ line: n, text });
  };
  for await (const chunk of source.text as AsyncIterable<string>) {
    let start = 0;
    let nl = chunk.indexOf('\n');
    while (nl >= 0) {
      const piece = rest + chunk.slice(start, nl);
      rest = '';
      if (piece.length > maxChars) throw new LogFormatError(`line ${n + 1} is longer than ${maxChars} characters (limit --max-record)`);
      push(piece);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    rest += chunk.slice(start);
    if (rest.length > maxChars) throw new LogFormatError(`line ${n + 1} is longer than ${maxChars} characters (limit --max-record)`);
    if (batch.length >= 1000) {
      yield batch;
      batch = [];
    }
  }
  if (rest !== '') push(rest);
  if (batch.length > 0) yield batch;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
