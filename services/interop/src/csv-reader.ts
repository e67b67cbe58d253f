import { parse, CsvError } from 'csv-parse';
import type { Readable } from 'node:stream';
import { LogFormatError } from './errors.ts';
import { clip, DEFAULT_IMPORT_LIMITS } from './limits.ts';
import type { ColumnMapping, LogRow } from './row.ts';
import { restoreCell } from './csv-safety.ts';

export interface CsvReadOptions {
  columns: ColumnMapping;
  delimiter: string;
  /** Longest record in characters (default 1 MiB): past it the file is refused, not buffered. */
  maxRecordChars?: number;
}

/**
 * Streams the rows of a CSV log (header row first). Every cell is a string; an empty
 * cell is an absent value. A row with a different number of fields than the header, or
 * broken quoting, makes the whole file malformed (LogFormatError): guessing which cell
 * moved would misattribute events. Rows are yielded in batches as they are parsed.
 */
export async function* readCsv(text: Readable, options: CsvReadOptions): AsyncGenerator<LogRow[]> {
  const { columns } = options;
  const parser = parse({
    delimiter: options.delimiter,
    bom: true,
    info: true,
    skip_empty_lines: true,
    max_record_size: options.maxRecordChars ?? DEFAULT_IMPORT_LIMITS.maxRecordChars,
    columns: (header: string[]) => {
      const required: Array<[keyof ColumnMapping, string]> = [
        ['case', '--case'],
        ['activity', '--activity'],
        ['timestamp', '--timestamp'],
      ];
      for (const [field, flag] of required) {
        if (!header.includes(columns[field])) {
          throw new LogFormatError(
            `CSV has no ${field} column ${JSON.stringify(columns[field])} (columns: ${clip(header.slice(0, 50).map((h) => JSON.stringify(clip(h, 80))).join(', '), 600)}); name it with ${flag}`,
            1,
          );
        }
      }
      const seen = new Set<string>();
      for (const h of header) {
        if (h !== '' && seen.has(h)) throw new LogFormatError(`CSV header repeats the column ${JSON.stringify(clip(h, 80))}`, 1);
        seen.add(h);
      }
      return header;
    },
  });
  text.on('error', (err) => parser.destroy(err));
  text.pipe(parser);
  let batch: LogRow[] = [];
  try {
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const { record, info } = item;
      const attributes = new Map<string, string>();
      for (const key in record) {
        const value = record[key];
        if (value !== undefined && value !== '') attributes.set(key, restoreCell(value)); // undoes the export's formula guard
      }
      const caseId = attributes.get(columns.case);
      attributes.delete(columns.case);
      batch.push({ line: info.lines, caseId, attributes });
      if (batch.length >= 1000) {
        yield batch;
        batch = [];
      }
    }
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      const message = (err as CsvError).code === 'CSV_MAX_RECORD_SIZE' ? `a record is longer than ${options.maxRecordChars ?? DEFAULT_IMPORT_LIMITS.maxRecordChars} characters (limit --max-record)` : err.message;
      throw new LogFormatError(`malformed CSV: ${message}`, line);
    }
    throw err;
  }
  if (batch.length > 0) yield batch;
}
