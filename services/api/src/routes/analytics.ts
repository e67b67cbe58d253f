import type { Router } from 'express';
import { departmentSlug, groupingOf, type AnalyticsFilter, type MapAbstraction, type ProcessMap } from '@journeys/contracts';
import { abstractMap, NoCalendarsError } from '@journeys/projections';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize, principalOf } from '../auth/middleware.ts';
import { parseInput } from '../http/query.ts';
import { DepartmentsQuerySchema, EmptyQuerySchema, HandoffQuerySchema } from '../schemas.ts';
import { FocusQuerySchema, ProcessMapQuerySchema, ReplayMapQuerySchema, VariantsQuerySchema } from '../map-schemas.ts';
import { badRequest, notFound } from '../problem.ts';
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

interface MapQuery {
  departments?: number | undefined;
  paths?: number | undefined;
  pathsBy?: MapAbstraction['pathsBy'] | undefined;
  focus?: string | undefined;
  groupBy?: string | undefined;
  expand?: string | undefined;
}

function abstractionOf(q: MapQuery): MapAbstraction {
  return {
    ...(q.departments !== undefined ? { departments: Math.max(1, q.departments) } : {}),
    ...(q.paths !== undefined ? { paths: q.paths } : {}),
    ...(q.pathsBy !== undefined ? { pathsBy: q.pathsBy } : {}),
    ...(q.focus !== undefined ? { focus: q.focus } : {}),
  };
}

const noCalendars = () =>
  badRequest('clock=business needs business-hours calendars: set JOURNEY_CALENDARS to a calendar file (docs/metrics.md#business-time-journey_calendars).', [
    { path: 'query.clock', message: 'no calendars are configured', code: 'no_calendars' },
  ]);

export function analyticsRoutes(deps: AppDeps): Router {
  const r = router();
  const { queries, auth } = deps;

  /** The department → unit mapping for `groupBy` (and `expand`), or a 400 saying why not. */
  function grouping(q: MapQuery): Record<string, string> | null {
    if (q.groupBy === undefined) {
      if (q.expand !== undefined) throw badRequest('expand needs groupBy.');
      return null;
    }
    const units = deps.orgUnits;
    if (!units) throw badRequest('No organisational units are configured (JOURNEY_ORG_UNITS names a JSON file of them).');
    const level = units.levels.indexOf(q.groupBy);
    if (level < 0) throw badRequest(`groupBy must be one of the org-unit levels: ${units.levels.join(', ')}.`);
    return groupingOf(units, level, q.expand);
  }

  /** The process map as asked: rolled up when groupBy is given, then cut down by the abstraction. */
  function mapOf(q: MapQuery, whole: (groups: Record<string, string> | null) => ProcessMap) {
    const groups = grouping(q);
    return abstractMap(whole(groups), abstractionOf(q), { groupBy: q.groupBy ?? null });
  }

  r.get('/api/analytics/handoffs', authenticate(auth), authorize('analytics:read'), (req, res) => {
    const q = parseInput(HandoffQuerySchema, req.query);
    const business = q.clock === 'business';
    if (business && !deps.calendars?.configured) throw noCalendars();
    let body;
    try {
      body = queries.handoffs({ ...filterOf(q), ...(business ? { clock: 'business' as const } : {}) });
    } catch (err) {
      // The read store was opened without the calendars the app was given: same answer.
      if (err instanceof NoCalendarsError) throw noCalendars();
      throw err;
    }
    sendJson(req, res, { ...body, freshness: freshness(deps, res) });
  });

  r.get('/api/analytics/process-map', authenticate(auth), authorize('analytics:read'), (req, res) => {
    const q = parseInput(ProcessMapQuerySchema, req.query);
    const filter = filterOf(q);
    sendJson(req, res, { ...mapOf(q, (groups) => (groups ? queries.processMapGrouped(groups, filter) : queries.processMap(filter))), freshness: freshness(deps, res) });
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
    const q = parseInput(ReplayMapQuerySchema, req.query);
    const replay = queries.replay(q.asOf, filterOf(q));
    sendJson(req, res, { ...replay, processMap: abstractMap(replay.processMap, abstractionOf(q)), freshness: freshness(deps, res) });
  });

  r.get('/api/analytics/variants', authenticate(auth), authorize('analytics:read'), (req, res) => {
    const q = parseInput(VariantsQuerySchema, req.query);
    sendJson(req, res, { ...queries.variants({ ...filterOf(q), ...(q.department !== undefined ? { department: q.department } : {}) }, q.limit), freshness: freshness(deps, res) });
  });

  r.get('/api/analytics/focus', authenticate(auth), authorize('analytics:read'), (req, res) => {
    const q = parseInput(FocusQuerySchema, req.query);
    const focus = queries.departmentFocus(q.department, { ...filterOf(q), now: q.asOf ?? new Date().toISOString() }, q.limit);
    if (focus.journeys === 0 && focus.incoming.length === 0 && focus.workload === null) throw notFound(`No department ${JSON.stringify(q.department)} in these journeys.`);
    sendJson(req, res, focus);
  });

  r.get('/api/org-units', authenticate(auth), authorize('analytics:read'), (req, res) => {
    parseInput(EmptyQuerySchema, req.query);
    if (!deps.orgUnits) throw notFound('No organisational units are configured (JOURNEY_ORG_UNITS).');
    sendJson(req, res, deps.orgUnits);
  });

  return r;
}
