import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessBus } from '@journeys/bus';
import { CURRENT_SCHEMA_VERSION, type JourneyEvent } from '@journeys/contracts';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { createProjectionRunner } from '@journeys/projections';
import { checkReadiness, type AppDeps } from '../src/index.ts';
import { opsRoutes } from '../src/routes/ops.ts';

/**
 * Readiness and the lag gauge count events through the store (`eventsAfter`), so they are
 * right on a store whose positions jump (EventStoreDB's are byte offsets; the SQLite store
 * hands out such positions with `sparsePositions`), and they show a subscription that is down.
 */
const dirs: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const event = (journeyId: string, i: number): JourneyEvent => ({
  id: randomUUID(),
  type: 'WorkStarted',
  journeyId,
  department: 'Intake',
  occurredAt: new Date(Date.parse('2026-03-01T09:00:00Z') + i * 60_000).toISOString(),
  schemaVersion: CURRENT_SCHEMA_VERSION,
  data: { activity: 'triage' },
});

function parts(options: { outage?: () => string | undefined } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'journeys-ready-'));
  dirs.push(dir);
  const store: EventStore = getSQLiteEventStore({
    path: join(dir, 'j.db'),
    sparsePositions: true,
    pollIntervalMs: 20,
    resume: { minDelayMs: 10, maxDelayMs: 50 },
    ...(options.outage ? { outage: options.outage } : {}),
  });
  closers.push(() => store.close());
  const bus = createInProcessBus();
  closers.push(() => bus.close());
  const runner = createProjectionRunner({ store });
  closers.push(() => runner.stop());
  return { store, bus, runner };
}

describe('readiness and lag on sparse positions', () => {
  it('counts the lag in events, not in position units, in /readyz and in the gauge', async () => {
    // Given read models caught up with 10 events, then stopped, and 5 more events stored
    const { store, bus, runner } = parts();
    await store.append('journey-a', Array.from({ length: 10 }, (_, i) => event('a', i)));
    await runner.start();
    await runner.waitUntilCaughtUp();
    await runner.stop();
    await store.append('journey-a', Array.from({ length: 5 }, (_, i) => event('a', 10 + i)));
    const deps = { store, bus, queries: runner.queries, projectionsCaughtUp: () => true, readyMaxLag: 10, storeKind: 'sqlite' } as unknown as AppDeps;
    // Then the lag is 5 events (the positions differ by thousands), within the 10 allowed
    const ready = await checkReadiness(deps);
    expect(ready.checks.projections.lag).toBe(5);
    expect(ready.ready).toBe(true);
    // and 11 more events make it not ready, saying so
    await store.append('journey-b', Array.from({ length: 11 }, (_, i) => event('b', i)));
    const behind = await checkReadiness(deps);
    expect(behind.ready).toBe(false);
    expect(behind.reasons.join(' ')).toMatch(/more than 10 events behind/);
    // and the gauge says the same count
    const registry = new Registry();
    opsRoutes({ ...deps, registry, metricsPublic: true, logger: pino({ level: 'silent' }) });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/journeys_projection_lag_events 16\b/);
  });

  it('is not ready while a subscription to the store is down, and shows it in the gauge', async () => {
    let outage: string | undefined;
    const { store, bus, runner } = parts({ outage: () => outage });
    await store.append('journey-a', [event('a', 0)]);
    await runner.start();
    await runner.waitUntilCaughtUp();
    const deps = { store, bus, queries: runner.queries, projectionsCaughtUp: () => runner.caughtUp(), storeKind: 'sqlite' } as unknown as AppDeps;
    const registry = new Registry();
    opsRoutes({ ...deps, registry, metricsPublic: true, logger: pino({ level: 'silent' }) });
    expect(await registry.metrics()).toMatch(/journeys_store_subscriptions\{state="up"\} 1/);

    // When the store becomes unreadable, the runner's subscription goes down
    outage = 'drill';
    const deadline = Date.now() + 10_000;
    while (!store.subscriptions().some((s) => s.state === 'down')) {
      if (Date.now() > deadline) throw new Error('the subscription never went down');
      await new Promise((r) => setTimeout(r, 10));
    }
    const notReady = await checkReadiness(deps);
    expect(notReady.ready).toBe(false);
    expect(notReady.checks.subscriptions).toMatchObject({ ok: false, down: 1 });
    expect(notReady.reasons.join(' ')).toMatch(/subscription to the store is down/);
    expect(await registry.metrics()).toMatch(/journeys_store_subscriptions\{state="down"\} 1/);
    outage = undefined;

    // And once it answers again, the subscription resumes and the same events flow
    await store.append('journey-a', [event('a', 1)]);
    while (runner.queries.position < (await store.headPosition())) await new Promise((r) => setTimeout(r, 10));
    expect(store.subscriptions().every((s) => s.state === 'up')).toBe(true);
    expect((await checkReadiness(deps)).ready).toBe(true);
  });
});
