import type { Router } from 'express';
import { Gauge } from 'prom-client';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize } from '../auth/middleware.ts';
import type { Readiness } from '../schemas.ts';
import { router } from './async.ts';
import { HttpProblem, sendProblem } from '../problem.ts';

const started = Date.now();

async function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([p.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Store reachable, bus connected, projections caught up: what a load balancer should wait for. */
export async function checkReadiness(deps: AppDeps): Promise<Readiness> {
  const maxLag = deps.readyMaxLag ?? 1000;
  const storeOk = await withTimeout(deps.store.ping(), 2000, false);
  const head = storeOk ? await withTimeout(deps.store.headPosition(), 2000, null as number | null) : null;
  // connected, and its streams (JOURNEY_EVENTS, JOURNEY_DLQ) still there
  const busProblems = await withTimeout(deps.bus.problems(), 2000, ['the bus did not answer within 2 s']);
  const busOk = busProblems.length === 0;
  const position = deps.queries.position;
  const lag = head === null ? null : Math.max(0, head - position);
  const caughtUp = deps.projectionsCaughtUp?.() ?? true;
  const projectionsOk = caughtUp && lag !== null && lag <= maxLag;
  const reasons: string[] = [];
  if (!storeOk) reasons.push(`the ${deps.store.kind} event store is not reachable`);
  for (const problem of busProblems) reasons.push(`the ${deps.bus.kind} bus: ${problem}`);
  if (!caughtUp) reasons.push('the projections have not finished catching up with the store');
  if (lag === null) reasons.push('the projections position cannot be compared with the store');
  else if (!projectionsOk) reasons.push(`the projections are ${lag} events behind the store (at most ${maxLag} allowed)`);
  return {
    ready: storeOk && busOk && projectionsOk,
    checks: {
      store: { ok: storeOk, kind: deps.store.kind, headPosition: head },
      bus: { ok: busOk, kind: deps.bus.kind },
      projections: { ok: projectionsOk, position, lag },
    },
    reasons,
  };
}

export function opsRoutes(deps: AppDeps): Router {
  const r = router();

  // Gauges computed at scrape time, from the parts themselves (nothing to keep in sync).
  if (!deps.registry.getSingleMetric('journeys_projection_lag_events')) {
    new Gauge({
      name: 'journeys_projection_lag_events',
      help: 'Events in the store not yet reflected by the read models',
      registers: [deps.registry],
      async collect() {
        const head = await withTimeout(deps.store.headPosition(), 2000, null as number | null);
        if (head !== null) this.set(Math.max(0, head - deps.queries.position));
      },
    });
    new Gauge({
      name: 'journeys_store_head_position',
      help: 'Global position of the newest stored event',
      registers: [deps.registry],
      async collect() {
        const head = await withTimeout(deps.store.headPosition(), 2000, null as number | null);
        if (head !== null) this.set(head);
      },
    });
    new Gauge({
      name: 'journeys_bus_connected',
      help: '1 when the event bus is connected',
      registers: [deps.registry],
      collect() {
        this.set(deps.bus.isConnected() ? 1 : 0);
      },
    });
  }

  r.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) });
  });

  r.get('/readyz', async (_req, res) => {
    const readiness = await checkReadiness(deps);
    res.setHeader('Cache-Control', 'no-store');
    if (readiness.ready) {
      res.json(readiness);
      return;
    }
    // 503 as problem+json, still carrying the checks, so probes and people see why.
    sendProblem(res, new HttpProblem(503, 'not-ready', readiness.reasons.join('; '), { members: readiness }));
  });

  const metricsGuard = deps.metricsPublic ? [] : [authenticate(deps.auth), authorize('metrics:read')];
  r.get('/metrics', ...metricsGuard, async (_req, res) => {
    res.setHeader('Content-Type', deps.registry.contentType);
    res.send(await deps.registry.metrics());
  });

  return r;
}
