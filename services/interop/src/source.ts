import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { basename } from 'node:path';
import { LogFormatError } from './errors.ts';
import { byteBudget, DEFAULT_IMPORT_LIMITS } from './limits.ts';

export const LOG_FORMATS = ['xes', 'csv', 'jsonl', 'ocel'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `x.xes`, `x.xes.gz`, `x.csv`, `x.csv.gz`, `x.jsonl`, `x.ndjson`, `x.jsonocel` / `x.ocel.json` (OCEL 2.0) (and their .gz, .gzip, .z); gzip is also recognised by its magic bytes whatever the name. */
export function detectFormat(file: string): { format: LogFormat | undefined; gzip: boolean } {
  const lower = file.toLowerCase();
  const suffix = /\.(gz|gzip|z)$/.exec(lower);
  const gzip = suffix !== null;
  const name = suffix ? lower.slice(0, suffix.index) : lower;
  if (name.endsWith('.xes') || name.endsWith('.xml')) return { format: 'xes', gzip };
  if (name.endsWith('.csv') || name.endsWith('.tsv')) return { format: 'csv', gzip };
  if (name.endsWith('.jsonocel') || name.endsWith('.ocel.json')) return { format: 'ocel', gzip };
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return { format: 'jsonl', gzip };
  return { format: undefined, gzip };
}

export interface LogSource {
  /** UTF-8 text, streamed (gunzipped on the fly when the file is gzip). */
  text: Readable;
  /** Bytes of the file read so far (compressed bytes for .gz): progress against `size`. */
  bytesRead(): number;
  size: number;
}

/**
 * Opens a log as a text stream. Gzip is recognised by its magic bytes as well as the
 * extension; a corrupt or truncated gzip stream surfaces as a LogFormatError from the
 * consumer's iteration, never as a silently short log.
 */
export async function openLogSource(file: string, maxBytes: number = DEFAULT_IMPORT_LIMITS.maxDecompressedBytes): Promise<LogSource> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new LogFormatError(`${file} is not a file`);
    size = info.size;
  } catch (err) {
    if (err instanceof LogFormatError) throw err;
    throw new LogFormatError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const gzip = detectFormat(file).gzip || (await hasGzipMagic(file));
  const raw = createReadStream(file);
  let read = 0;
  raw.on('data', (chunk) => {
    read += chunk.length;
  });
  let bytes: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip();
    raw.on('error', (err) => gunzip.destroy(err));
    gunzip.on('error', () => raw.destroy());
    bytes = raw.pipe(gunzip);
  }
  // Counted after decompression: the budget is what the process must read, whatever the file's size.
  const budget = byteBudget(maxBytes, basename(file));
  bytes.on('error', (err) => budget.destroy(err));
  budget.on('error', () => {
    raw.destroy();
    if (bytes !== raw) bytes.destroy();
  });
  const text = bytes.pipe(budget);
  text.setEncoding('utf8');
  return { text, bytesRead: () => read, size };
}

async function hasGzipMagic(file: string): Promise<boolean> {
  const { open } = await import('node:fs/promises');
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await handle.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Turns zlib's terse messages into something a user can act on. */
export function describeStreamError(err: unknown, file: string): LogFormatError {
  if (err instanceof LogFormatError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new LogFormatError(`${file} is not a valid gzip file or is truncated (${e.message})`);
  }
  return new LogFormatError(`cannot read ${file}: ${e?.message ?? String(err)}`);
}
