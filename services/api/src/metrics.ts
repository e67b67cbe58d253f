import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ApiMetrics {
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  eventsPublished: Counter<'outcome'>;
  sseClients: Gauge<'stream'>;
  middleware: RequestHandler;
}

/** Reuses a metric already in the registry (several apps in one test process share one). */
function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * HTTP metrics of the API. The route label is the route pattern (`/api/journeys/:id`), never
 * the raw path: ids in labels would make the series count grow without bound.
 */
export function createApiMetrics(registry: Registry): ApiMetrics {
  const httpDuration = once(
    registry,
    'journeys_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'journeys_http_request_duration_seconds',
        help: 'HTTP request latency by route pattern',
        labelNames: ['method', 'route', 'status_code'] as const,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      }),
  );
  const eventsPublished = once(
    registry,
    'journeys_http_events_total',
    () =>
      new Counter({
        name: 'journeys_http_events_total',
        help: 'Events received by POST /api/events, by outcome (accepted, invalid, forbidden, not_accepted)',
        labelNames: ['outcome'] as const,
        registers: [registry],
      }),
  );
  const sseClients = once(
    registry,
    'journeys_sse_clients',
    () =>
      new Gauge({
        name: 'journeys_sse_clients',
        help: 'Open server-sent-event streams',
        labelNames: ['stream'] as const,
        registers: [registry],
      }),
  );
  const middleware: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const routePath = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      httpDuration.observe({ method: req.method, route, status_code: String(res.statusCode) }, seconds);
    });
    next();
  };
  return { httpDuration, eventsPublished, sseClients, middleware };
}

/**
 * prom-client's gauges that end in `_total`, which the Prometheus conventions (and
 * `promtool check metrics`) keep for counters; each has a conventional twin without the suffix.
 */
const NON_COUNTER_TOTALS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * The Node process metrics under their standard names (`process_cpu_seconds_total`,
 * `nodejs_heap_size_used_bytes`...), unprefixed so that standard Node dashboards work; our
 * own metrics are the `journeys_*` ones.
 */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of NON_COUNTER_TOTALS) registry.removeSingleMetric(name);
}
