import type { Request } from 'express';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request's credential as read once by `readToken` (null: none given). */
      bearer?: BearerToken | null;
    }
  }
}

export interface BearerToken {
  /** The token itself, as every per-token limit keys on it. */
  token: string;
  /** Where it came from: `?token=` is honoured only on the routes that allow it. */
  from: 'header' | 'query';
}

export class MalformedAuthorization extends Error {
  override name = 'MalformedAuthorization';
}

// Any case of the scheme, any run of blanks around and between: RFC 9110 says the scheme is
// case-insensitive, and `bearer   x`, `Bearer\tx` and `BEARER x` are one token, not three.
const BEARER = /^[ \t]*bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i;

/**
 * Reads the credential of a request once, the same way for authentication, rate limits and
 * stream caps, so no limit can be sidestepped by spelling the header differently. Throws
 * MalformedAuthorization for an Authorization header that is not a bearer token.
 */
export function readToken(req: Request): BearerToken | undefined {
  if (req.bearer !== undefined) return req.bearer ?? undefined;
  let found: BearerToken | undefined;
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = BEARER.exec(header);
    if (!m) throw new MalformedAuthorization('Use "Authorization: Bearer <token>".');
    found = { token: m[1]!, from: 'header' };
  } else {
    // The simple query parser has already decoded the name, so `?tok%65n=` arrives as `token`.
    const q = req.query.token;
    if (typeof q === 'string' && q !== '') found = { token: q.trim(), from: 'query' };
  }
  req.bearer = found ?? null;
  return found;
}

/** readToken without the throw: for limiters, which key on whatever was sent. */
export function tokenOrUndefined(req: Request): string | undefined {
  try {
    return readToken(req)?.token;
  } catch {
    return undefined;
  }
}
