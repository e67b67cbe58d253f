import type { Router } from 'express';
import { Gauge } from 'prom-client';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize } from '../auth/middleware.ts';
import type { Readiness } from '../schemas.ts';
import { router } from './async.ts';
import { HttpProblem, sendProblem } from '../problem.ts';

const started = Date.now();
/** The lag gauge counts at most this many events per scrape (on EventStoreDB counting reads them). */
const LAG_GAUGE_CAP = 100_000;

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

/**
 * Store reachable, bus connected, the store's subscriptions up, projections caught up: what a
 * load balancer should wait for. The lag is a number of events counted by the store
 * (`eventsAfter`), never a difference of positions: EventStoreDB positions are byte offsets.
 */
export async function checkReadiness(deps: AppDeps): Promise<Readiness> {
  const maxLag = deps.readyMaxLag ?? 1000;
  const storeOk = await withTimeout(deps.store.ping(), 2000, false);
  // connected, and its streams (JOURNEY_EVENTS, JOURNEY_DLQ) still there
  const busProblems = await withTimeout(deps.bus.problems(), 2000, ['the bus did not answer within 2 s']);
  const busOk = busProblems.length === 0;
  const position = deps.queries.position;
  const [head, counted] = storeOk
    ? await Promise.all([
        withTimeout(deps.store.headPosition(), 2000, null as number | null),
        // one more than allowed is enough to know it is too many (counting reads events on EventStoreDB)
        withTimeout(deps.store.eventsAfter(position, { atMost: maxLag + 1 }), 2000, null as number | null),
      ])
    : [null, null];
  const lag = counted;
  const caughtUp = deps.projectionsCaughtUp?.() ?? true;
  const down = deps.store.subscriptions().filter((s) => s.state === 'down');
  const subscriptionsOk = down.length === 0;
  const projectionsOk = caughtUp && subscriptionsOk && lag !== null && lag <= maxLag;
  const storeKind = deps.storeKind ?? 'unknown';
  const reasons: string[] = [];
  if (!storeOk) reasons.push(`the ${deps.storeKind ? `${deps.storeKind} ` : ''}event store is not reachable`);
  for (const problem of busProblems) reasons.push(`the ${deps.bus.kind} bus: ${problem}`);
  for (const s of down) reasons.push(`a subscription to the store is down since ${s.since} (${s.reason ?? 'no reason given'}); it is retrying`);
  if (!caughtUp) reasons.push('the projections have not finished catching up with the store');
  if (lag === null) reasons.push('the projections position cannot be compared with the store');
  else if (lag > maxLag) reasons.push(`the projections are more than ${maxLag} events behind the store`);
  return {
    ready: storeOk && busOk && projectionsOk,
    checks: {
      store: { ok: storeOk, kind: storeKind, headPosition: head },
      bus: { ok: busOk, kind: deps.bus.kind },
      projections: { ok: projectionsOk, position, lag },
      subscriptions: { ok: subscriptionsOk, open: deps.store.subscriptions().length, down: down.length },
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
      help: `Events in the store not yet reflected by the read models, counted by the store (saturates at ${LAG_GAUGE_CAP})`,
      registers: [deps.registry],
      async collect() {
        const lag = await withTimeout(deps.store.eventsAfter(deps.queries.position, { atMost: LAG_GAUGE_CAP }), 2000, null as number | null);
        if (lag !== null) this.set(lag);
      },
    });
    new Gauge({
      name: 'journeys_store_subscriptions',
      help: 'Open subscriptions to the event store, by state (down: the store dropped it and it is retrying)',
      labelNames: ['state'],
      registers: [deps.registry],
      collect() {
        const all = deps.store.subscriptions();
        this.set({ state: 'up' }, all.filter((s) => s.state === 'up').length);
        this.set({ state: 'down' }, all.filter((s) => s.state === 'down').length);
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
