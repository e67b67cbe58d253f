import { randomBytes } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { AppDeps } from './deps.ts';
import { createCursorCodec } from './http/cursor.ts';
import { requestLogging } from './http/logging.ts';
import { API_CSP, frameAncestorsOf } from './http/security-headers.ts';
import { createRateLimiters } from './http/rate-limit.ts';
import { createApiMetrics, type ApiMetrics } from './metrics.ts';
import { openApiDocument } from './openapi/document.ts';
import { asyncApiDocument } from './openapi/asyncapi.ts';
import { HttpProblem, problemHandler } from './problem.ts';
import { alertRoutes } from './routes/alerts.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { auditRoutes } from './routes/audit.ts';
import { calendarRoutes } from './routes/calendars.ts';
import { deadLetterRoutes } from './routes/dead-letters.ts';
import { statusCors } from './routes/cors.ts';
import { erasureRoutes } from './routes/erasures.ts';
import { eventsRoutes } from './routes/events.ts';
import { customerStatusRoute, journeysRoutes } from './routes/journeys.ts';
import { opsRoutes } from './routes/ops.ts';
import { streamRoutes } from './routes/streams.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { viewerRoutes } from './routes/viewer.ts';
import { StatusCache } from './status-cache.ts';
import { ChangeHub } from './status-hub.ts';

export interface JourneysApp extends Express {
  /** Detaches the app from the projections (open streams end when their sockets close). */
  closeApp(): void;
}

/**
 * What every request goes through before routing: request id and log line, the latency
 * histogram, nosniff. Exported for the API benchmark, whose plain route runs behind it too.
 */
export function commonMiddleware(logger: Logger, metrics: ApiMetrics): RequestHandler[] {
  return [
    requestLogging(logger),
    metrics.middleware,
    (req, res, next) => {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (req.path.startsWith('/api/')) res.setHeader('Content-Security-Policy', API_CSP);
      next();
    },
  ];
}

/** The Journeys HTTP API: every route of PRODUCT.md, problem+json errors, metrics, viewer. */
export function createApp(deps: AppDeps): JourneysApp {
  const app = express() as JourneysApp;
  app.disable('x-powered-by');
  app.set('etag', 'weak');
  // Which hops may say who the client is (X-Forwarded-For): none unless configured, since
  // an address the client writes itself would let it pick its own rate-limit bucket.
  app.set('trust proxy', trustProxySetting(deps.trustProxy));
  frameAncestorsOf(deps.widgetFrameAncestors ?? deps.widgetOrigins ?? '*');
  // Express 5 defaults to the simple parser; arrays of repeated keys are refused by the schemas.
  app.set('query parser', 'simple');

  const metrics = createApiMetrics(deps.registry);
  const cursors = createCursorCodec(deps.cursorKey ?? randomBytes(32));
  const hub = new ChangeHub(deps.queries);
  const statuses = new StatusCache(deps.queries, deps.statusCacheMs !== undefined ? { maxAgeMs: deps.statusCacheMs } : {});

  app.use(commonMiddleware(deps.logger, metrics));

  app.use(['/api/journeys/:id/status', '/api/journeys/:id/status/stream'], statusCors(deps.widgetOrigins ?? '*'));
  // Before the routes (and their auth): floods are refused before they cost anything more.
  const limits = createRateLimiters(deps.auth, deps.rateLimits);
  // The route every status widget polls, on the app itself and ahead of the routers: express
  // leaves a router that has no matching route through a setImmediate, which cost this
  // route four event-loop turns per request when it came after them.
  app.get('/api/journeys/:id/status', ...limits.status, ...customerStatusRoute(deps, statuses));
  if (limits.status.length > 0) app.get('/api/journeys/:id/status/stream', ...limits.status);
  if (limits.ingress.length > 0) app.post('/api/events', ...limits.ingress);
  app.use(opsRoutes(deps));
  app.get('/api/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(openApiDocument());
  });
  app.get('/api/asyncapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(asyncApiDocument());
  });
  app.use(eventsRoutes(deps, metrics));
  app.use(streamRoutes(deps, hub, metrics));
  app.use(journeysRoutes(deps, cursors));
  app.use(analyticsRoutes(deps));
  app.use(calendarRoutes(deps));
  app.use(alertRoutes(deps, cursors));
  app.use(auditRoutes(deps, cursors));
  app.use(deadLetterRoutes(deps, cursors));
  app.use(tokenRoutes(deps));
  app.use(erasureRoutes(deps));
  app.use(viewerRoutes(deps.viewerDir, deps.widgetFrameAncestors ?? deps.widgetOrigins ?? '*'));

  // Anything left: 405 for a known path with the wrong method would need a route table;
  // a plain 404 problem is honest and never leaks which paths exist behind auth.
  app.use((req, _res, next) => {
    next(new HttpProblem(404, 'not-found', `No route ${req.method} ${req.path}.`));
  });
  app.use(problemHandler(deps.logger));

  app.closeApp = () => {
    hub.close();
    statuses.close();
  };
  return app;
}

/**
 * JOURNEY_TRUST_PROXY: unset/`false` (the socket's address is the client), a hop count
 * (`1`: one proxy in front), or a comma list of proxy addresses/CIDRs (`loopback`,
 * `10.0.0.0/8`, `uniquelocal`), as express reads `trust proxy`.
 */
export function trustProxySetting(value: string | undefined): boolean | number | string[] {
  const v = value?.trim();
  if (v === undefined || v === '' || v === 'false' || v === '0') return false;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  if (v === 'true') return true;
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const okItem = /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/;
  for (const item of list) if (!okItem.test(item)) throw new Error(`JOURNEY_TRUST_PROXY: ${JSON.stringify(item)} is not an address, a CIDR range or loopback/linklocal/uniquelocal`);
  return list;
}
