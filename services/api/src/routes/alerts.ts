import type { Router } from 'express';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize, principalOf } from '../auth/middleware.ts';
import { invalidCursor, type CursorCodec } from '../http/cursor.ts';
import { parseInput } from '../http/query.ts';
import { HttpProblem } from '../problem.ts';
import { AlertListQuerySchema } from '../schemas.ts';
import { router } from './async.ts';
import type { AlertService } from '../alerts/service.ts';

/** Alerts run in `journey serve`; an app built without them says so rather than answering empty. */
export function alertsOf(deps: AppDeps): AlertService {
  if (!deps.alerts) throw new HttpProblem(404, 'not-found', 'Live alerts are not running in this process.');
  return deps.alerts;
}

/**
 * GET /api/alerts: analysts and admins see every alert; a department token sees only the
 * alerts of its own department (the one that can act). The stream is in streams.ts, under
 * the same per-token stream limits as the other streams.
 */
export function alertRoutes(deps: AppDeps, cursors: CursorCodec): Router {
  const r = router();
  r.get('/api/alerts', authenticate(deps.auth), authorize('workload:read'), (req, res) => {
    const q = parseInput(AlertListQuerySchema, req.query);
    const alerts = alertsOf(deps);
    const principal = principalOf(req);
    const filter = {
      ...(q.state !== undefined ? { state: q.state } : {}),
      ...(q.kind !== undefined ? { kind: q.kind } : {}),
      ...(q.department !== undefined ? { department: q.department } : {}),
      ...(q.journeyId !== undefined ? { journeyId: q.journeyId } : {}),
      ...(principal.kind === 'department' ? { departmentSlug: principal.department } : {}),
    };
    // Bound to the filter (and so to a department token's own slug): a cursor of another listing is refused.
    const scope = `alerts:${JSON.stringify(filter)}`;
    let before: number | undefined;
    if (q.cursor !== undefined) {
      const decoded = cursors.decode(scope, q.cursor);
      if (typeof decoded !== 'number' || !Number.isSafeInteger(decoded) || decoded < 1) throw invalidCursor();
      before = decoded;
    }
    const items = alerts.store.list(filter, { ...(before !== undefined ? { before } : {}), limit: q.limit + 1 });
    const more = items.length > q.limit;
    const page = more ? items.slice(0, q.limit) : items;
    res.setHeader('Cache-Control', 'private, no-store');
    res.json({ items: page, nextCursor: more ? cursors.encode(scope, page[page.length - 1]!.sequence) : null });
  });
  return r;
}
