import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DigestRecordSchema, type DigestRecord } from './record.ts';

/**
 * The digest log: one JSON line per digest, appended and fsynced, never rewritten. An
 * operator ships it elsewhere (rsync, object storage with retention lock, a SIEM); the
 * copy elsewhere is what anchors the history, since whoever can write the store can write
 * this file too.
 */
export function appendDigest(file: string, record: DigestRecord): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class DigestLogError extends Error {
  override name = 'DigestLogError';
}

/** Every digest of a log file, in order; a line that does not parse is an error (a torn last line is reported as such). */
export function readDigests(file: string): DigestRecord[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: DigestRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DigestLogError(`${file} line ${i + 1} is not JSON${i === lines.length - 1 ? ' (a torn last line?)' : ''}`);
    }
    const parsed = DigestRecordSchema.safeParse(value);
    if (!parsed.success) throw new DigestLogError(`${file} line ${i + 1} is not a digest record: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    out.push(parsed.data);
  });
  return out;
}

export function lastDigest(file: string): DigestRecord | undefined {
  return readDigests(file).at(-1);
}
