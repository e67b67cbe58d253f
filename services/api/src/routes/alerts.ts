import type { Router } from 'express';
import { z } from 'zod';
import { AlertKindSchema, departmentSlug, type AlertDigest } from '@journeys/contracts';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize, principalOf } from '../auth/middleware.ts';
import { sendJson } from '../http/etag.ts';
import { parseInput } from '../http/query.ts';
import { SseChannel } from '../http/sse.ts';
import { badRequest } from '../problem.ts';
import { router } from './async.ts';

export const AlertListQuerySchema = z.strictObject({
  state: z.enum(['open', 'resolved']).optional(),
  kind: AlertKindSchema.optional(),
  department: z.string().min(1).max(128).optional(),
  journeyId: z.string().min(1).max(128).optional(),
  cursor: z.string().regex(/^\d{1,15}$/, { error: 'a cursor from a previous page' }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const AlertStreamQuerySchema = z.strictObject({ access_token: z.string().optional() });

/**
 * GET /api/alerts (analysts, admins; a department token sees only its own department's) and
 * GET /api/alerts/stream, the analysts' SSE stream of alert digests.
 */
export function alertRoutes(deps: AppDeps): Router {
  const r = router();
  const alerts = deps.alerts;
  r.get('/api/alerts', authenticate(deps.auth), authorize('workload:read'), (req, res) => {
    const q = parseInput(AlertListQuerySchema, req.query);
    if (!alerts) throw badRequest('alerts are not running in this process');
    const principal = principalOf(req);
    const items = alerts.store.list(
      {
        ...(q.state ? { state: q.state } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.department ? { department: q.department } : {}),
        ...(q.journeyId ? { journeyId: q.journeyId } : {}),
        ...(principal.kind === 'department' ? { departmentSlug: principal.department } : {}),
      },
      { ...(q.cursor !== undefined ? { before: Number(q.cursor) } : {}), limit: q.limit + 1 },
      departmentSlug,
    );
    const more = items.length > q.limit;
    const page = more ? items.slice(0, q.limit) : items;
    sendJson(req, res, { items: page, nextCursor: more ? String(page[page.length - 1]!.sequence) : null });
  });

  r.get('/api/alerts/stream', authenticate(deps.auth, { allowQueryToken: true }), authorize('stream:read'), (req, res) => {
    parseInput(AlertStreamQuerySchema, req.query);
    if (!alerts) throw badRequest('alerts are not running in this process');
    const channel = new SseChannel(req, res, { heartbeatMs: deps.sseHeartbeatMs ?? 15_000, closeAt: principalOf(req).expiresAt });
    // Bounded: a slow client gets a `resync` (reload GET /api/alerts) instead of an endless queue.
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
      if (pending.length >= 200) {
        pending.length = 0;
        overflow = true;
      } else pending.push(d);
      if (!channel.isBlocked) flush();
    });
    channel.onClose(off);
  });
  return r;
}
