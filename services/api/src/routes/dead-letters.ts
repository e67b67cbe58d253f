import type { Router } from 'express';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize } from '../auth/middleware.ts';
import { invalidCursor, type CursorCodec } from '../http/cursor.ts';
import { parseInput } from '../http/query.ts';
import { DeadLetterQuerySchema } from '../schemas.ts';
import { router } from './async.ts';

/**
 * The dead letters of whichever bus runs (JOURNEY_DLQ, or the table in the embedded
 * store's file), oldest first, with their reasons and re-drive outcomes. Admin only: a
 * letter carries the original payload. Re-driven with `journey dlq replay`.
 */
export function deadLetterRoutes(deps: AppDeps, cursors: CursorCodec): Router {
  const r = router();
  r.get('/api/dead-letters', authenticate(deps.auth), authorize('deadletters:read'), async (req, res) => {
    const q = parseInput(DeadLetterQuerySchema, req.query);
    const filter = { department: q.department, reason: q.reason, pending: q.pending };
    const scope = `dead-letters:${JSON.stringify(filter)}`;
    let after: number | undefined;
    if (q.cursor !== undefined) {
      const decoded = cursors.decode(scope, q.cursor);
      if (typeof decoded !== 'number' || !Number.isSafeInteger(decoded) || decoded < 0) throw invalidCursor();
      after = decoded;
    }
    const page = await deps.bus.deadLetterStore.list({
      limit: q.limit,
      ...(after !== undefined ? { after } : {}),
      ...(q.department !== undefined ? { department: q.department } : {}),
      ...(q.reason !== undefined ? { reason: q.reason } : {}),
      ...(q.pending ? { pendingOnly: true } : {}),
    });
    res.setHeader('Cache-Control', 'private, no-store');
    res.json({ items: page.letters, nextCursor: page.next === null ? null : cursors.encode(scope, page.next) });
  });
  return r;
}
