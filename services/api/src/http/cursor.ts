import { createHmac, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../problem.ts';

/**
 * Opaque pagination cursors: `base64url(JSON).mac`. The MAC (HMAC-SHA256, truncated) means
 * a cursor can only be one we issued, for the same route and filter, so whatever sits
 * inside (a store position, the projections' own cursor) is never attacker-shaped, and an
 * edited or stale-filter cursor is a clean 400 rather than a surprise deeper down.
 */
export interface CursorCodec {
  encode(scope: string, value: unknown): string;
  /** Throws a 400 problem when the cursor is not one of ours for this scope. */
  decode(scope: string, cursor: string): unknown;
}

export const invalidCursor = () =>
  badRequest('The cursor is not valid: pass back the nextCursor of the previous page, with the same filters.', [
    { path: 'query.cursor', message: 'not a cursor issued for this query', code: 'invalid_cursor' },
  ]);

export function createCursorCodec(key: string | Uint8Array): CursorCodec {
  const mac = (scope: string, body: string) =>
    createHmac('sha256', key).update(scope).update('\u0000').update(body).digest().subarray(0, 12).toString('base64url');
  const invalid = invalidCursor;
  return {
    encode(scope, value) {
      const body = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
      return `${body}.${mac(scope, body)}`;
    },
    decode(scope, cursor) {
      const m = /^([A-Za-z0-9_-]{1,4096})\.([A-Za-z0-9_-]{16})$/.exec(cursor);
      if (!m) throw invalid();
      const [, body, tag] = m as unknown as [string, string, string];
      const expected = Buffer.from(mac(scope, body));
      const given = Buffer.from(tag);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
      try {
        return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
      } catch {
        throw invalid();
      }
    },
  };
}
