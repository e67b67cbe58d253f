import { InvalidStreamNameError } from './errors.ts';

export const MAX_STREAM_NAME_LENGTH = 200;
const CONTROL = /[\p{Cc}\p{Cs}]/u;

/**
 * The rule every adapter applies, so a name valid on SQLite is valid on EventStoreDB:
 * a non-empty string of at most 200 characters, without control characters or lone
 * surrogates, not starting with `$` (EventStoreDB reserves `$` for system streams),
 * and not blank.
 */
export function assertValidStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string') throw new InvalidStreamNameError(String(stream), 'must be a string');
  if (stream.length === 0) throw new InvalidStreamNameError(stream, 'must not be empty');
  if (stream.trim().length === 0) throw new InvalidStreamNameError(stream, 'must not be blank');
  if (stream.length > MAX_STREAM_NAME_LENGTH) {
    throw new InvalidStreamNameError(stream, `must be at most ${MAX_STREAM_NAME_LENGTH} characters`);
  }
  if (CONTROL.test(stream)) throw new InvalidStreamNameError(stream, 'must not contain control characters');
  if (stream.startsWith('$')) throw new InvalidStreamNameError(stream, 'must not start with $ (reserved for system streams)');
}
