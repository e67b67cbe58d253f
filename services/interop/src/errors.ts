import { clip } from './limits.ts';

/**
 * The file itself cannot be read as the log it claims to be (malformed or truncated XML,
 * a corrupt gzip stream, a CSV row with the wrong number of fields, a missing column).
 * Raised before anything is appended: an import that throws this has written nothing.
 */
export class LogFormatError extends Error {
  override name = 'LogFormatError';
  constructor(message: string, readonly line?: number) {
    // A message quotes the file (a column name, a bad value): never let it grow with the file.
    super(line === undefined ? clip(message) : `${clip(message)} (line ${line})`);
  }
}

/** Appending to the store failed part-way; re-running the same import completes it (ids are deterministic). */
export class ImportAppendError extends Error {
  override name = 'ImportAppendError';
  constructor(message: string, readonly appended: number, readonly total: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}
