import type { Router } from 'express';
import { departmentSlug, type AnalyticsFilter } from '@journeys/contracts';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize, principalOf } from '../auth/middleware.ts';
import { parseInput } from '../http/query.ts';
import { AnalyticsQuerySchema, DepartmentsQuerySchema, ReplayQuerySchema } from '../schemas.ts';
import { router } from './async.ts';
import { sendJson } from '../http/etag.ts';
import { freshness } from '../http/freshness.ts';

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
    const body = queries.handoffs(filterOf(parseInput(AnalyticsQuerySchema, req.query)));
    sendJson(req, res, { ...body, freshness: freshness(deps, res) });
  });

  r.get('/api/analytics/process-map', authenticate(auth), authorize('analytics:read'), (req, res) => {
    const body = queries.processMap(filterOf(parseInput(AnalyticsQuerySchema, req.query)));
    sendJson(req, res, { ...body, freshness: freshness(deps, res) });
  });

  /** Managers' view. A department token sees its own department's row only. */
  r.get('/api/analytics/departments', authenticate(auth), authorize('workload:read'), (req, res) => {
    const q = parseInput(DepartmentsQuerySchema, req.query);
    const principal = principalOf(req);
    // Pass "now" explicitly so that the asOf we report is the one the figures use.
    const asOf = q.asOf ?? new Date().toISOString();
    let departments = queries.departments({ ...filterOf(q), now: asOf });
    if (principal.kind === 'department') departments = departments.filter((d) => departmentSlug(d.department) === principal.department);
    sendJson(req, res, { asOf, departments, freshness: freshness(deps, res) });
  });

  r.get('/api/replay', authenticate(auth), authorize('analytics:read'), (req, res) => {
    const q = parseInput(ReplayQuerySchema, req.query);
    sendJson(req, res, { ...queries.replay(q.asOf, filterOf(q)), freshness: freshness(deps, res) });
  });

  return r;
}
