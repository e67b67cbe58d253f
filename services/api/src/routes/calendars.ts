import type { Router } from 'express';
import { createCalendarSet } from '@journeys/projections';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize } from '../auth/middleware.ts';
import { sendJson } from '../http/etag.ts';
import { parseInput } from '../http/query.ts';
import { EmptyQuerySchema } from '../schemas.ts';
import { router } from './async.ts';

/** GET /api/calendars: the business-hours calendars in force (JOURNEY_CALENDARS), or the round-the-clock default. */
export function calendarRoutes(deps: AppDeps): Router {
  const r = router();
  const calendars = deps.calendars ?? createCalendarSet(null);
  r.get('/api/calendars', authenticate(deps.auth), authorize('workload:read'), (req, res) => {
    parseInput(EmptyQuerySchema, req.query);
    sendJson(req, res, calendars.view());
  });
  return r;
}
