import type { Router } from 'express';
import { departmentSlug, type AnalyticsFilter } from '@journeys/contracts';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize, principalOf } from '../auth/middleware.ts';
import { parseInput } from '../http/query.ts';
import { AnalyticsQuerySchema, DepartmentsQuerySchema, HandoffQuerySchema, ReplayQuerySchema } from '../schemas.ts';
import { badRequest } from '../problem.ts';
import { router } from './async.ts';
import { sendJson } from '../http/etag.ts';

function filterOf(q: { from?: string | undefined; to?: string | undefined; journeyType?: string | undefined }): AnalyticsFilter {
  return {
    ...(q.from !== undefined ? { from: q.from } : {}),
    ...(q.to !== undefined ? { to: q.to } : {}),
    ...(q.journeyType !== undefined ? { journeyType: q.journeyType } : {}),
  };
}

export function analyticsRoutes(deps: AppDeps): Router {
  const r = router();
  const { queries, auth } = deps;

  r.get('/api/analytics/handoffs', authenticate(auth), authorize('analytics:read'), (req, res) => {
    const q = parseInput(HandoffQuerySchema, req.query);
    if (q.clock === 'business' && !deps.calendars?.configured) throw badRequest('clock=business needs business calendars: set JOURNEY_CALENDARS to a calendar file.');
    sendJson(req, res, queries.handoffs({ ...filterOf(q), ...(q.clock === 'business' ? { clock: 'business' as const } : {}) }));
  });

  r.get('/api/analytics/process-map', authenticate(auth), authorize('analytics:read'), (req, res) => {
    sendJson(req, res, queries.processMap(filterOf(parseInput(AnalyticsQuerySchema, req.query))));
  });

  /** Managers' view. A department token sees its own department's row only. */
  r.get('/api/analytics/departments', authenticate(auth), authorize('workload:read'), (req, res) => {
    const q = parseInput(DepartmentsQuerySchema, req.query);
    const principal = principalOf(req);
    // Pass "now" explicitly so that the asOf we report is the one the figures use.
    const asOf = q.asOf ?? new Date().toISOString();
    let departments = queries.departments({ ...filterOf(q), now: asOf });
    if (principal.kind === 'department') departments = departments.filter((d) => departmentSlug(d.department) === principal.department);
    sendJson(req, res, { asOf, departments });
  });

  r.get('/api/replay', authenticate(auth), authorize('analytics:read'), (req, res) => {
    const q = parseInput(ReplayQuerySchema, req.query);
    sendJson(req, res, queries.replay(q.asOf, filterOf(q)));
  });

  return r;
}
