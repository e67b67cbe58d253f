import type { Router } from 'express';
import { createCalendarSet } from '@journeys/projections';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize } from '../auth/middleware.ts';
import { parseInput } from '../http/query.ts';
import { EmptyQuerySchema } from '../schemas.ts';
import { router } from './async.ts';

/**
 * GET /api/calendars: the business-hours calendars in force (JOURNEY_CALENDARS), each with
 * the default's fields filled in; without a file, the round-the-clock default and
 * `configured: false`, so a client can tell why no business figures come.
 */
export function calendarRoutes(deps: AppDeps): Router {
  const r = router();
  const calendars = deps.calendars ?? createCalendarSet(null);
  r.get('/api/calendars', authenticate(deps.auth), authorize('workload:read'), (req, res) => {
    parseInput(EmptyQuerySchema, req.query);
    // Upcoming holidays move with the date: short-lived, per caller.
    res.setHeader('Cache-Control', 'private, max-age=60');
    res.json(calendars.view());
  });
  return r;
}
