import type { Request, RequestHandler, Router } from 'express';
import { sendJson, sendSerialised } from '../http/etag.ts';
import { freshness } from '../http/freshness.ts';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize, principalOf } from '../auth/middleware.ts';
import { invalidCursor, type CursorCodec } from '../http/cursor.ts';
import { parseInput } from '../http/query.ts';
import { badRequest, forbidden, notFound } from '../problem.ts';
import { EmptyQuerySchema, JourneyIdParamSchema, TokenQuerySchema } from '../schemas.ts';
import { JourneySelectQuerySchema, TimelineSelectQuerySchema } from '../map-schemas.ts';
import type { JourneyState } from '@journeys/contracts';
import type { JourneyListFilter, JourneyPage, JourneyQueries, JourneySelection } from '@journeys/projections';
import type { StatusCache } from '../status-cache.ts';
import { router } from './async.ts';

export function journeyId(req: Request): string {
  return parseInput(JourneyIdParamSchema, { id: req.params.id }, 'path').id;
}

function listFilter(q: {
  journeyType?: string | undefined;
  department?: string | undefined;
  state?: JourneyState | undefined;
  breached?: boolean | undefined;
}): JourneyListFilter {
  return {
    ...(q.journeyType !== undefined ? { journeyType: q.journeyType } : {}),
    ...(q.department !== undefined ? { department: q.department } : {}),
    ...(q.state !== undefined ? { state: q.state } : {}),
    ...(q.breached !== undefined ? { breached: q.breached } : {}),
  };
}

interface SelectQuery {
  journeyType?: string | undefined;
  department?: string | undefined;
  state?: JourneyState | undefined;
  breached?: boolean | undefined;
  variant?: string | undefined;
  handoffFrom?: string | undefined;
  handoffTo?: string | undefined;
  activeAt?: string | undefined;
}

/**
 * The list's filters, or (any of variant, handoffFrom, handoffTo, activeAt given) a selection:
 * the same paging, from JourneyQueries.selectJourneys. Returns the cursor scope with the page.
 */
function pageOf(
  queries: JourneyQueries,
  kind: string,
  q: SelectQuery,
  cursors: CursorCodec,
  cursor: string | undefined,
  limit: number,
): { scope: string; page: JourneyPage } {
  const selecting = q.variant !== undefined || q.handoffFrom !== undefined || q.handoffTo !== undefined || q.activeAt !== undefined;
  if (selecting && (q.state !== undefined || q.breached !== undefined)) {
    throw badRequest('state and breached cannot be combined with variant, handoffFrom, handoffTo or activeAt.');
  }
  const selection: JourneySelection = {};
  for (const k of ['journeyType', 'department', 'variant', 'handoffFrom', 'handoffTo', 'activeAt'] as const) {
    if (q[k] !== undefined) selection[k] = q[k];
  }
  const filter = listFilter(q);
  const scope = selecting ? `${kind}:select:${JSON.stringify(selection)}` : `${kind}:${JSON.stringify(filter)}`;
  const inner = cursor === undefined ? undefined : cursors.decode(scope, cursor);
  if (inner !== undefined && typeof inner !== 'string') throw invalidCursor();
  const page = { ...(inner !== undefined ? { cursor: inner } : {}), limit };
  return { scope, page: selecting ? queries.selectJourneys(selection, page) : queries.listJourneys(filter, page) };
}

export function journeysRoutes(deps: AppDeps, cursors: CursorCodec): Router {
  const r = router();
  const { queries, auth } = deps;

  r.get('/api/journeys', authenticate(auth), authorize('journeys:read'), (req, res) => {
    const q = parseInput(JourneySelectQuerySchema, req.query);
    // The cursor is bound to the filter: a cursor from another filter is refused, not misread.
    const { scope, page } = pageOf(queries, 'journeys', q, cursors, q.cursor, q.limit);
    sendJson(req, res, { items: page.items, nextCursor: page.nextCursor === null ? null : cursors.encode(scope, page.nextCursor), freshness: freshness(deps, res) });
  });

  /** Many timelines per request, for the viewer's swimlanes (the list's filters and cursor). */
  r.get('/api/timelines', authenticate(auth), authorize('journeys:read'), (req, res) => {
    const q = parseInput(TimelineSelectQuerySchema, req.query);
    const { scope, page } = pageOf(queries, 'timelines', q, cursors, q.cursor, q.limit);
    const items = page.items.map((s) => queries.timeline(s.journeyId)).filter((t) => t !== undefined);
    sendJson(req, res, { items, nextCursor: page.nextCursor === null ? null : cursors.encode(scope, page.nextCursor), freshness: freshness(deps, res) });
  });

  r.get('/api/journeys/:id', authenticate(auth), authorize('journeys:read'), (req, res) => {
    parseInput(EmptyQuerySchema, req.query);
    const id = journeyId(req);
    const timeline = queries.timeline(id);
    if (!timeline) throw notFound(`No journey ${JSON.stringify(id)}.`);
    freshness(deps, res);
    sendJson(req, res, timeline);
  });

  return r;
}

/**
 * GET /api/journeys/:id/status after its rate limits: the route every status widget polls.
 * Served from the status cache, serialised once per change of the journey (status-cache.ts).
 */
export function customerStatusRoute(deps: AppDeps, statuses: StatusCache): RequestHandler[] {
  return [
    authenticate(deps.auth, { allowQueryToken: true }),
    authorize('status:read'),
    (req, res) => {
      parseInput(TokenQuerySchema, req.query);
      const id = journeyId(req);
      assertMayReadStatus(req, id);
      const cached = statuses.get(id);
      if (!cached) throw notFound(`No journey ${JSON.stringify(id)}.`);
      sendSerialised(req, res, cached.body, cached.etag);
    },
  ];
}

/** A customer token opens the status of its own journey and nothing else. */
export function assertMayReadStatus(req: Request, id: string): void {
  const principal = principalOf(req);
  if (principal.kind === 'customer' && principal.journeyId !== id) {
    throw forbidden('This token opens the status of another journey.');
  }
}
