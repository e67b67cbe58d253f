import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Auth } from '../auth/tokens.ts';
import { HttpProblem } from '../problem.ts';
import { router } from '../routes/async.ts';

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
  /** Failed requests (4xx) on those routes per IP address: token guessing, scanning. Default 600/min. */
  failures?: number;
}

export const DEFAULT_RATE_LIMITS: Required<RateLimits> = { windowMs: 60_000, ingress: 1200, status: 300, failures: 600 };

const STATUS_PATHS = ['/api/journeys/:id/status', '/api/journeys/:id/status/stream'];

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') return /^Bearer[ ]+(\S+)\s*$/i.exec(header)?.[1];
  return typeof req.query.token === 'string' ? req.query.token : undefined;
}

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

function tooMany(what: string, windowMs: number): RequestHandler {
  return (req, _res, next) => {
    const info = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit;
    const seconds = info?.resetTime ? Math.max(1, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(windowMs / 1000);
    next(
      new HttpProblem(429, 'too-many-requests', `Too many ${what}; retry in ${seconds} s.`, {
        headers: { 'Retry-After': String(seconds) },
      }),
    );
  };
}

/**
 * Rate limits of the routes the outside world reaches: the HTTP ingress and the customer
 * status routes (express-rate-limit, in-memory store: limits are per process; behind a load
 * balancer each process counts its own share). Answers 429 problem+json with Retry-After.
 */
export function rateLimitRoutes(auth: Auth, limits: RateLimits = {}): Router {
  const { windowMs, ingress, status, failures } = { ...DEFAULT_RATE_LIMITS, ...limits };
  const r = router();
  const common = { windowMs, standardHeaders: 'draft-7' as const, legacyHeaders: false };

  if (failures > 0) {
    const failed = rateLimit({
      ...common,
      limit: failures,
      // Count only what failed: a busy, well-behaved client is never slowed by this one.
      skipSuccessfulRequests: true,
      keyGenerator: (req) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`,
      handler: (req, res, next) => tooMany('failed requests from this address', windowMs)(req, res, next),
    });
    r.post('/api/events', failed);
    r.get(STATUS_PATHS, failed);
  }
  if (ingress > 0) {
    const limiter = rateLimit({
      ...common,
      limit: ingress,
      keyGenerator: async (req) => `ingress:${(await principalKey(auth, req)).key}`,
      handler: (req, res, next) => tooMany('publish requests for this sender', windowMs)(req, res, next),
    });
    r.post('/api/events', limiter);
  }
  if (status > 0) {
    const limiter = rateLimit({
      ...common,
      limit: status,
      // Staff tokens (analyst, auditor, admin) are the company's own tools, not the public.
      skip: async (req) => (await principalKey(auth, req)).staff,
      keyGenerator: async (req) => `status:${(await principalKey(auth, req)).key}`,
      handler: (req, res, next) => tooMany('status requests for this journey', windowMs)(req, res, next),
    });
    r.get(STATUS_PATHS, limiter);
  }
  return r;
}
