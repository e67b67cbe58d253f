import { Transform, type TransformCallback } from 'node:stream';
import { LogFormatError } from './errors.ts';

/**
 * Bounds on what one import may make the process hold or do. Each is a clear LogFormatError
 * (nothing appended, non-zero exit) when passed, never a heap exhaustion or a RangeError:
 * a 292 KB gzip of 8M nested elements, a 3M-event trace or a 50 MB line of zeros must end
 * as a message, not a crash.
 */
export interface ImportLimits {
  /** Bytes of text after decompression (a gzip bomb stops here). Default 8 GiB. */
  maxDecompressedBytes: number;
  /** XES element nesting (a log is 4–5 deep; meta-attributes add a few). Default 64. */
  maxDepth: number;
  /** Events in one trace / journey: one trace is held in memory while read. Default 100 000. */
  maxEventsPerTrace: number;
  /** Attributes of one XES event or trace. Default 10 000. */
  maxAttributes: number;
  /** One CSV record or JSON line, in characters. Default 1 MiB. */
  maxRecordChars: number;
}

export const DEFAULT_IMPORT_LIMITS: Readonly<ImportLimits> = {
  maxDecompressedBytes: 8 * 1024 ** 3,
  maxDepth: 64,
  maxEventsPerTrace: 100_000,
  maxAttributes: 10_000,
  maxRecordChars: 1024 * 1024,
};

/** Longest message an import error or a dropped row's description may carry. */
export const MAX_MESSAGE_CHARS = 1000;

/** Cuts a message (and anything quoted in it from the file) to a readable size. */
export function clip(text: string, max = MAX_MESSAGE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

const human = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${n} bytes`);

/** Passes bytes through and fails the stream once more than `max` have gone by. */
export function byteBudget(max: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > max) {
        done(new LogFormatError(`${what} decompresses to more than ${human(max)} (limit --max-bytes): a gzip bomb, or a log too large for one import`));
        return;
      }
      done(null, chunk);
    },
  });
}
