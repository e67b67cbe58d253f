import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Principal } from '../auth/principal.ts';
import { ipKeyGenerator } from 'express-rate-limit';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { tokenOrUndefined } from '../auth/bearer.ts';
import type { Auth } from '../auth/tokens.ts';
import { HttpProblem } from '../problem.ts';

/**
 * Requests per window and per client before 429; 0 turns a limit off. The window is one
 * minute unless `windowMs` says otherwise.
 */
export interface RateLimits {
  windowMs?: number;
  /** POST /api/events per publishing principal (a department, or admin). Default 1 200/min (each request up to 1 000 events). */
  ingress?: number;
  /** Status routes per customer journey (customer tokens) or per token (anything unverified). Staff tokens are not limited. Default 300/min. */
  status?: number;
  /**
   * Failed requests (4xx) on those routes per client: per verified token holder, and per IP
   * address for requests without a valid token (token guessing, scanning). A flood of bad
   * requests from one address then blocks only unauthenticated requests from it, never the
   * widgets and departments that share its proxy and hold valid tokens. Default 600/min.
   */
  failures?: number;
}

export const DEFAULT_RATE_LIMITS: Required<RateLimits> = { windowMs: 60_000, ingress: 1200, status: 300, failures: 600 };

const bearer = tokenOrUndefined;

/** A token is never used as a map key as such (keys can show up in a debugger or a heap dump). */
const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/** The client key of a request: the verified principal where there is one, else a token digest, else the IP. */
async function principalKey(auth: Auth, req: Request): Promise<{ key: string; staff: boolean }> {
  const token = bearer(req);
  if (token === undefined) return { key: `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`, staff: false };
  // Verified tokens are cached by the auth module: this costs a map lookup on the hot path.
  const principal = auth.cached(token) ?? (await auth.verify(token).catch(() => undefined));
  if (!principal) return { key: `token:${digest(token)}`, staff: false };
  if (principal.kind === 'customer') return { key: `customer:${principal.journeyId}`, staff: false };
  return { key: principal.role, staff: principal.kind !== 'department' };
}

function tooMany(what: string, msBeforeNext: number): HttpProblem {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new HttpProblem(429, 'too-many-requests', `Too many ${what}; retry in ${seconds} s.`, {
    headers: { 'Retry-After': String(seconds) },
  });
}

/** IETF draft-7 RateLimit headers (what express-rate-limit sent), for the requests that were counted. */
function rateLimitHeaders(res: Response, limit: number, windowMs: number, r: RateLimiterRes): void {
  res.setHeader('RateLimit-Policy', `${limit};w=${Math.ceil(windowMs / 1000)}`);
  res.setHeader('RateLimit', `limit=${limit}, remaining=${r.remainingPoints}, reset=${Math.max(0, Math.ceil(r.msBeforeNext / 1000))}`);
}

/** Takes one point for `key`; next() when there was one left, else a 429 problem. */
function consumeOr429(limiter: RateLimiterMemory, key: string, what: string, res: Response, next: NextFunction): Promise<void> {
  return limiter.consume(key).then(
    (r) => {
      rateLimitHeaders(res, limiter.points, limiter.duration * 1000, r);
      next();
    },
    (err: unknown) => {
      if (err instanceof RateLimiterRes) next(tooMany(what, err.msBeforeNext));
      else next(err);
    },
  );
}

/**
 * Failed requests (4xx and 5xx) per client. Only failures are counted, after the response,
 * so a successful request costs a map lookup and nothing else: a client is put on the
 * blocked list when it spends its last point, and refused until its window ends. The client
 * is the verified token holder when the request carries a valid token, else the address (as
 * `trust proxy` reads it): so one tenant's failures never lock out another tenant.
 */
function failureLimit(auth: Auth, failures: number, windowMs: number): RequestHandler {
  const counter = new RateLimiterMemory({ points: failures, duration: windowMs / 1000 });
  const blockedUntil = new Map<string, number>();
  const block = (key: string, r: RateLimiterRes) => {
    if (blockedUntil.size >= 10_000) {
      const now = Date.now();
      for (const [k, until] of blockedUntil) if (until <= now) blockedUntil.delete(k);
    }
    blockedUntil.set(key, Date.now() + r.msBeforeNext);
  };
  const count = (key: string) => {
    counter.consume(key).then(
      (r) => {
        if (r.remainingPoints <= 0) block(key, r);
      },
      (err: unknown) => {
        if (err instanceof RateLimiterRes) block(key, err);
      },
    );
  };
  const check = (key: string, req: Request, res: Response, next: NextFunction) => {
    const until = blockedUntil.get(key);
    if (until !== undefined) {
      const left = until - Date.now();
      if (left > 0) return next(tooMany(key.startsWith('ip:') ? 'failed requests from this address' : 'failed requests with this token', left));
      blockedUntil.delete(key);
    }
    res.once('finish', () => {
      if (res.statusCode >= 400) count(key);
    });
    next();
  };
  return (req, res, next) => {
    const token = bearer(req);
    const known = token === undefined ? undefined : auth.cached(token);
    if (known) return check(clientKey(known), req, res, next);
    const ipKey = `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    if (token === undefined) return check(ipKey, req, res, next);
    // A token not seen before: verify it (an HMAC) so a valid holder is never counted as its address.
    return auth.verify(token).then(
      (p) => check(clientKey(p), req, res, next),
      () => check(ipKey, req, res, next),
    );
  };
}

function clientKey(p: Principal): string {
  return p.kind === 'customer' ? `customer:${p.journeyId}` : p.jti !== undefined ? `jti:${p.jti}` : p.role;
}

/** The rate-limit middleware of each public route; empty where the limit is off. */
export interface RateLimiters {
  /** POST /api/events. */
  ingress: RequestHandler[];
  /** GET of the status routes (the document and its stream). */
  status: RequestHandler[];
}

/**
 * Rate limits of the routes the outside world reaches: the HTTP ingress and the customer
 * status routes (rate-limiter-flexible's in-memory limiter: limits are per process; behind
 * a load balancer each process counts its own share). Answers 429 problem+json with
 * Retry-After. Staff tokens that were verified before pass the status limit synchronously:
 * the analysts' tools and the viewer poll that route too, and they are not limited there.
 */
export function createRateLimiters(auth: Auth, limits: RateLimits = {}): RateLimiters {
  const { windowMs, ingress, status, failures } = { ...DEFAULT_RATE_LIMITS, ...limits };
  const duration = windowMs / 1000;
  const out: RateLimiters = { ingress: [], status: [] };

  if (failures > 0) {
    const failed = failureLimit(auth, failures, windowMs);
    out.ingress.push(failed);
    out.status.push(failed);
  }
  if (ingress > 0) {
    const limiter = new RateLimiterMemory({ points: ingress, duration });
    out.ingress.push(async (req, res, next) => {
      const { key } = await principalKey(auth, req);
      await consumeOr429(limiter, `ingress:${key}`, 'publish requests for this sender', res, next);
    });
  }
  if (status > 0) {
    const limiter = new RateLimiterMemory({ points: status, duration });
    out.status.push((req, res, next) => {
      // The hot path (a staff token seen before) stays synchronous: no promise, no extra tick.
      const token = bearer(req);
      const known = token === undefined ? undefined : auth.cached(token);
      if (known !== undefined && known.kind !== 'customer' && known.kind !== 'department') return next();
      return principalKey(auth, req).then(({ key, staff }) =>
        staff ? next() : consumeOr429(limiter, `status:${key}`, 'status requests for this journey', res, next),
      );
    });
  }
  return out;
}
