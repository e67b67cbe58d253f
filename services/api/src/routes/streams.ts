import { createHash } from 'node:crypto';
import type { Request, Router } from 'express';
import { readToken } from '../auth/bearer.ts';
import { departmentSlug, type AlertDigest, type CustomerStatus } from '@journeys/contracts';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize, principalOf } from '../auth/middleware.ts';
import { parseInput } from '../http/query.ts';
import { SseChannel } from '../http/sse.ts';
import type { ApiMetrics } from '../metrics.ts';
import { HttpProblem, notFound } from '../problem.ts';
import { StreamQuerySchema } from '../schemas.ts';
import { statusFlipsAfter } from '../status-cache.ts';
import type { ChangeHub } from '../status-hub.ts';
import { assertMayReadStatus, journeyId } from './journeys.ts';
import { alertsOf } from './alerts.ts';
import { router } from './async.ts';

/** Counts open streams per token and in total, so one caller cannot hold every socket. */
class StreamLimiter {
  private readonly perKey = new Map<string, number>();
  private total = 0;
  constructor(
    private readonly maxPerKey: number,
    private readonly maxTotal: number,
  ) {}

  acquire(key: string): () => void {
    const n = this.perKey.get(key) ?? 0;
    if (n >= this.maxPerKey || this.total >= this.maxTotal) {
      throw new HttpProblem(
        429,
        'too-many-requests',
        n >= this.maxPerKey ? `At most ${this.maxPerKey} open streams per token.` : 'Too many open streams on this server.',
        {
          headers: { 'Retry-After': '10' },
        },
      );
    }
    this.perKey.set(key, n + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left <= 0) this.perKey.delete(key);
      else this.perKey.set(key, left);
    };
  }
}

/**
 * The stream cap's key: the token's id, else a digest of the token as `readToken`
 * normalised it, so `Bearer`, `bearer  ` and `?token=` are the same holder.
 */
function tokenKey(req: Request): string {
  const p = principalOf(req);
  if (p.jti !== undefined) return `jti:${p.jti}`;
  return `token:${createHash('sha256').update(readToken(req)?.token ?? '').digest('base64url')}`;
}

/** Ends the stream the moment its token is revoked (the deny list is checked on every request; a stream is one long request). */
function endOnRevocation(deps: AppDeps, req: Request, channel: SseChannel): void {
  const jti = principalOf(req).jti;
  if (jti === undefined) return;
  const off = deps.auth.onRevoked((revoked) => {
    if (revoked === jti) channel.end({ event: 'token-revoked', data: { reason: 'the token has been revoked; fetch a new one and reconnect' } });
  });
  channel.onClose(off);
}

function lastEventId(req: Request, queryValue: string | undefined): number | undefined {
  const raw = req.headers['last-event-id'] ?? queryValue;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

export function streamRoutes(deps: AppDeps, hub: ChangeHub, metrics: ApiMetrics): Router {
  const r = router();
  const heartbeatMs = deps.sseHeartbeatMs ?? 15_000;
  const limiter = new StreamLimiter(deps.maxStreamsPerToken ?? 8, deps.maxStreams ?? 10_000);

  /**
   * The customer's live status. Event id = status version, so a reconnecting EventSource
   * (Last-Event-ID) gets the current status only if it changed meanwhile. The stream holds
   * just the newest status per client: while the socket is full, intermediate versions are
   * skipped and the newest one is written on 'drain'.
   */
  r.get('/api/journeys/:id/status/stream', authenticate(deps.auth, { allowQueryToken: true }), authorize('status:read'), (req, res) => {
    const q = parseInput(StreamQuerySchema, req.query);
    const id = journeyId(req);
    assertMayReadStatus(req, id);
    const first = deps.queries.customerStatus(id);
    if (!first) throw notFound(`No journey ${JSON.stringify(id)}.`);
    const release = limiter.acquire(tokenKey(req));

    const channel = new SseChannel(req, res, { heartbeatMs, closeAt: principalOf(req).expiresAt });
    endOnRevocation(deps, req, channel);
    metrics.sseClients.inc({ stream: 'status' });
    let sentVersion = lastEventId(req, q.lastEventId) ?? -1;
    // `onTrack` turns false when the promise passes, with no event to announce it: a timer
    // asks again just after that instant (one per open stream, only while one is due).
    let flipTimer: NodeJS.Timeout | undefined;
    const armFlip = (status: CustomerStatus) => {
      clearTimeout(flipTimer);
      flipTimer = undefined;
      const at = statusFlipsAfter(status);
      if (at === Number.POSITIVE_INFINITY) return;
      flipTimer = setTimeout(push, Math.min(Math.max(1, at + 1 - Date.now()), 2 ** 31 - 1));
      flipTimer.unref();
    };
    function push(): void {
      if (channel.isClosed || channel.isBlocked) return;
      const status: CustomerStatus | undefined = deps.queries.customerStatus(id);
      if (!status) return;
      armFlip(status);
      if (status.version === sentVersion) return;
      if (channel.trySend({ id: status.version, event: 'status', data: status })) sentVersion = status.version;
    }
    channel.onDrain = push;
    const off = hub.onJourney(id, push);
    channel.onClose(() => {
      clearTimeout(flipTimer);
      off();
      release();
      metrics.sseClients.dec({ stream: 'status' });
    });
    push();
  });

  /**
   * The analyst's change feed for the viewer: which journeys changed, and when the read
   * models caught up. While a client is slow, changes are merged per journey (bounded);
   * past the bound the client gets one `resync` and should reload what it shows.
   */
  r.get('/api/stream', authenticate(deps.auth, { allowQueryToken: true }), authorize('stream:read'), (req, res) => {
    parseInput(StreamQuerySchema, req.query);
    const release = limiter.acquire(tokenKey(req));
    const channel = new SseChannel(req, res, { heartbeatMs, closeAt: principalOf(req).expiresAt });
    endOnRevocation(deps, req, channel);
    metrics.sseClients.inc({ stream: 'changes' });
    const maxPending = 5_000;
    const pending = new Map<string, number>();
    let caughtUp: number | undefined;
    let overflow = false;

    const flush = () => {
      if (overflow) {
        pending.clear();
        caughtUp = undefined;
        if (!channel.trySend({ event: 'resync', data: { position: deps.queries.position } })) return;
        overflow = false;
      }
      for (const [journeyId, position] of pending) {
        if (!channel.trySend({ id: position, event: 'journey', data: { journeyId, position } })) return;
        pending.delete(journeyId);
      }
      if (caughtUp !== undefined && channel.trySend({ id: caughtUp, event: 'caught-up', data: { position: caughtUp } }))
        caughtUp = undefined;
    };
    channel.onDrain = flush;
    const off = hub.onAny((change) => {
      if (change.kind === 'journey') {
        if (!overflow) {
          pending.delete(change.journeyId); // re-insert: keep the map in change order
          pending.set(change.journeyId, change.position);
          if (pending.size > maxPending) overflow = true;
        }
      } else caughtUp = change.position;
      if (!channel.isBlocked) flush();
    });
    channel.onClose(() => {
      off();
      release();
      metrics.sseClients.dec({ stream: 'changes' });
    });
    channel.trySend({ event: 'hello', data: { position: deps.queries.position } });
  });

  /**
   * Alert digests (per department and kind) as they happen: analysts and admins get all, a
   * department token its own department's. A slow client's queue is bounded: past it, one
   * `resync` (reload GET /api/alerts) replaces what it missed.
   */
  r.get('/api/alerts/stream', authenticate(deps.auth, { allowQueryToken: true }), authorize('workload:read'), (req, res) => {
    parseInput(StreamQuerySchema, req.query);
    const alerts = alertsOf(deps);
    const principal = principalOf(req);
    const own = principal.kind === 'department' ? principal.department : undefined;
    const release = limiter.acquire(tokenKey(req));
    const channel = new SseChannel(req, res, { heartbeatMs, closeAt: principal.expiresAt });
    endOnRevocation(deps, req, channel);
    metrics.sseClients.inc({ stream: 'alerts' });
    const pending: AlertDigest[] = [];
    let overflow = false;
    const flush = () => {
      if (overflow) {
        if (!channel.trySend({ event: 'resync', data: {} })) return;
        overflow = false;
      }
      while (pending.length > 0) {
        if (!channel.trySend({ event: 'alerts', data: pending[0] })) return;
        pending.shift();
      }
    };
    channel.onDrain = flush;
    const off = alerts.onDigest((d) => {
      if (own !== undefined && departmentSlug(d.department) !== own) return;
      if (pending.length >= 200) {
        pending.length = 0;
        overflow = true;
      } else pending.push(d);
      if (!channel.isBlocked) flush();
    });
    channel.onClose(() => {
      off();
      release();
      metrics.sseClients.dec({ stream: 'alerts' });
    });
    channel.trySend({ event: 'hello', data: {} });
  });

  return r;
}
