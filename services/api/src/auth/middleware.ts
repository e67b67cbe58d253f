import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { forbidden, unauthorized } from '../problem.ts';
import { can, type Permission } from './access.ts';
import type { Principal } from './principal.ts';
import { readToken } from './bearer.ts';
import { TokenError, type Auth } from './tokens.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: Principal;
    }
  }
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new Error('route is missing its authenticate() middleware');
  return req.principal;
}

/**
 * Reads the bearer token. `?token=` is accepted only where `allowQueryToken` says so: the
 * status routes and the streams, because EventSource and a widget's <script> cannot set
 * headers. The token query parameter is redacted from logs (see http/logging.ts).
 */
export function authenticate(auth: Auth, options: { allowQueryToken?: boolean } = {}): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction): Promise<void> | undefined => {
    let given;
    try {
      given = readToken(req);
    } catch {
      throw unauthorized('Use "Authorization: Bearer <token>".', 'invalid_request');
    }
    const token = given && (given.from === 'header' || options.allowQueryToken) ? given.token : undefined;
    if (token === undefined)
      throw unauthorized('This route needs a token: "Authorization: Bearer <token>" (see `journey token`).', 'invalid_request');
    // The common case (a token seen before) stays synchronous: no promise, no extra tick.
    const known = auth.cached(token);
    if (known) {
      req.principal = known;
      next();
      return;
    }
    return auth.verify(token).then(
      (principal) => {
        req.principal = principal;
        next();
      },
      (err: unknown) => {
        if (err instanceof TokenError)
          throw unauthorized(err.reason === 'expired' ? 'The token has expired.' : err.reason === 'revoked' ? 'The token has been revoked.' : 'The token is not valid.');
        throw err;
      },
    );
  };
}

export function authorize(permission: Permission): RequestHandler {
  return (req, _res, next) => {
    const principal = principalOf(req);
    if (!can(principal, permission)) {
      throw forbidden(`${/^[aeiou]/.test(principal.kind) ? 'An' : 'A'} ${principal.kind} token may not do this (needs ${permission}).`);
    }
    next();
  };
}
