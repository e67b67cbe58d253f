import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AcceptedSchema,
  ChainVerificationSchema,
  CustomerStatusSchema,
  DepartmentsSchema,
  HandoffAnalyticsSchema,
  JourneySummarySchema,
  JourneyTimelineSchema,
  ProcessMapSchema,
  ReplaySchema,
  StoredEventSchema,
  page,
} from '@journeys/contracts';
import { journeyEvents, startHarness, type Harness } from './support/harness.ts';
import { checkReadiness, type AppDeps } from '../src/index.ts';

/** The happy path of every route, over real HTTP, with responses checked against the contracts. */
let h: Harness;
let analyst: string;
let auditor: string;
let admin: string;
const journeys = ['claim-1', 'claim-2', 'claim-3', 'loan-1', 'loan-2'];

beforeAll(async () => {
  h = await startHarness({ app: { viewerDir: '/nonexistent/viewer-dist' } });
  analyst = await h.token('analyst');
  auditor = await h.token('auditor');
  admin = await h.token('admin');
  const t0 = Date.parse('2026-03-02T08:00:00Z');
  await h.publish([
    ...journeyEvents('claim-1', { start: t0, complete: true }),
    ...journeyEvents('claim-2', { start: t0 + 3600_000, promisedBy: '2026-03-02T10:00:00Z' }),
    ...journeyEvents('claim-3', { start: t0 + 7200_000 }),
    ...journeyEvents('loan-1', { start: t0 + 10_800_000, journeyType: 'loan', complete: true }),
    ...journeyEvents('loan-2', { start: t0 + 14_400_000, journeyType: 'loan' }),
  ]);
});

afterAll(async () => {
  await h?.close();
});

async function getJson<T extends z.ZodType>(path: string, token: string, schema: T): Promise<z.infer<T>> {
  const res = await h.http(path, { token });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return schema.parse(JSON.parse(text));
}

describe('POST /api/events', () => {
  it('accepts one event, answers 202 with its id once the bus took it, and the projections show it', async () => {
    const id = randomUUID();
    const res = await h.post(
      '/api/events',
      {
        id,
        type: 'JourneyStarted',
        journeyId: 'single-1',
        department: 'Intake',
        occurredAt: '2026-03-03T08:00:00Z',
        schemaVersion: 1,
        data: { journeyType: 'claim', channel: 'phone', customerRef: 'c9' },
      },
      admin,
    );
    expect(res.status).toBe(202);
    expect(AcceptedSchema.parse(await res.json())).toEqual({ accepted: 1, ids: [id] });
    await h.settle();
    expect(h.rt.queries.customerStatus('single-1')?.journeyType).toBe('claim');
  });

  it('fills in a missing id, occurredAt and schemaVersion and returns the id', async () => {
    const res = await h.post(
      '/api/events',
      { type: 'CustomerNotified', journeyId: 'single-1', department: 'Intake', data: { channel: 'sms' } },
      admin,
    );
    expect(res.status).toBe(202);
    const body = AcceptedSchema.parse(await res.json());
    expect(body.ids[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lets a department token publish its own events, as named by the organisation', async () => {
    const intake = await h.token('department:intake');
    const events = journeyEvents('dept-1').slice(0, 3);
    const res = await h.post('/api/events', events, intake);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { ids: string[] }).ids).toEqual(events.map((e) => (e as { id: string }).id));
  });

  it('takes a retry of the same ids without storing anything twice', async () => {
    const events = journeyEvents('retry-1').slice(0, 2);
    for (let i = 0; i < 2; i++) {
      const res = await h.post('/api/events', events, admin);
      expect(res.status).toBe(202);
    }
    await h.settle();
    const stored = await h.http('/api/audit/events?journeyId=retry-1', { token: auditor });
    expect(((await stored.json()) as { items: unknown[] }).items).toHaveLength(2);
  });
});

describe('journeys', () => {
  it('lists journeys and walks every page with opaque cursors, without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const body = await getJson(`/api/journeys?limit=2${q}`, analyst, page(JourneySummarySchema));
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((j) => j.journeyId));
      cursor = body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(journeys));
  });

  it('filters by journeyType, state, department and breached', async () => {
    const loans = await getJson('/api/journeys?journeyType=loan', analyst, page(JourneySummarySchema));
    expect(loans.items.map((j) => j.journeyId).sort()).toEqual(['loan-1', 'loan-2']);
    const completed = await getJson('/api/journeys?state=completed', analyst, page(JourneySummarySchema));
    expect(completed.items.map((j) => j.journeyId).sort()).toEqual(['claim-1', 'loan-1']);
    const assessment = await getJson('/api/journeys?department=Assessment', analyst, page(JourneySummarySchema));
    expect(assessment.items.map((j) => j.journeyId)).toEqual(expect.arrayContaining(journeys));
    const breached = await getJson('/api/journeys?breached=true', analyst, page(JourneySummarySchema));
    expect(breached.items.map((j) => j.journeyId)).toEqual(['claim-2']);
    // PRODUCT.md's customer-facing name for waiting on the customer is accepted as the same filter.
    const waiting = await getJson('/api/journeys?state=waiting-on-customer', analyst, page(JourneySummarySchema));
    const waitingOnYou = await getJson('/api/journeys?state=waiting-on-you', analyst, page(JourneySummarySchema));
    expect(waitingOnYou.items).toEqual(waiting.items);
  });

  it('refuses a cursor issued for another filter', async () => {
    const first = await getJson('/api/journeys?limit=1', analyst, page(JourneySummarySchema));
    const res = await h.http(`/api/journeys?limit=1&journeyType=loan&cursor=${encodeURIComponent(first.nextCursor!)}`, { token: analyst });
    expect(res.status).toBe(400);
  });

  it('returns bulk timelines for the viewer', async () => {
    const body = await getJson('/api/timelines?journeyType=claim&limit=10', analyst, page(JourneyTimelineSchema));
    expect(body.items.map((t) => t.journeyId)).toEqual(expect.arrayContaining(['claim-1', 'claim-2', 'claim-3']));
    expect(body.items.every((t) => t.journeyType === 'claim')).toBe(true);
  });

  it('returns a timeline with an ETag, and 304 on If-None-Match', async () => {
    const res = await h.http('/api/journeys/claim-1', { token: analyst });
    expect(res.status).toBe(200);
    const timeline = JourneyTimelineSchema.parse(await res.json());
    expect(timeline.state).toBe('completed');
    expect(timeline.handoffs[0]).toMatchObject({ from: 'Intake', to: 'Assessment', delaySeconds: (200 - 21) * 60 });
    const etag = res.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const again = await h.http('/api/journeys/claim-1', { token: auditor, headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it("gives a customer its journey's status, by header or ?token=, with an ETag and CORS for the widget", async () => {
    const customer = await h.token('customer', { journeyId: 'claim-2' });
    const res = await h.http('/api/journeys/claim-2/status', { token: customer, headers: { origin: 'https://insurer.example' } });
    expect(res.status).toBe(200);
    const status = CustomerStatusSchema.strict().parse(await res.json());
    expect(status).toMatchObject({ journeyId: 'claim-2', state: 'in-progress', onTrack: false });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(new RegExp(`^W/"${status.version}-`));
    const viaQuery = await fetch(`${h.url}/api/journeys/claim-2/status?token=${customer}`, {
      headers: { 'if-none-match': etag },
    });
    expect(viaQuery.status).toBe(304);
    const preflight = await fetch(`${h.url}/api/journeys/claim-2/status`, {
      method: 'OPTIONS',
      headers: { origin: 'https://insurer.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
  });
});

describe('analytics', () => {
  it('answers handoffs, process map, departments and replay', async () => {
    const handoffs = await getJson('/api/analytics/handoffs?journeyType=claim', analyst, HandoffAnalyticsSchema);
    expect(handoffs.pairs.find((p) => p.from === 'Intake' && p.to === 'Assessment')?.count).toBe(3);
    const map = await getJson('/api/analytics/process-map', analyst, ProcessMapSchema);
    expect(map.departments.map((d) => d.department)).toEqual(expect.arrayContaining(['Intake', 'Assessment']));
    const workload = await getJson('/api/analytics/departments?asOf=2026-03-02T20:00:00Z', analyst, DepartmentsSchema);
    expect(workload.asOf).toBe('2026-03-02T20:00:00Z');
    expect(workload.departments.length).toBeGreaterThanOrEqual(2);
    const replay = await getJson('/api/replay?asOf=2026-03-02T09:00:00Z', analyst, ReplaySchema);
    expect(replay.journeys.total).toBeGreaterThanOrEqual(1);
  });

  it('says how fresh every analytics and journeys answer is, in a header and in the body', async () => {
    const position = String(h.rt.queries.position);
    for (const path of ['/api/analytics/handoffs', '/api/analytics/process-map', '/api/analytics/departments', '/api/replay?asOf=2026-03-02T09:00:00Z', '/api/journeys', '/api/timelines?limit=2']) {
      const res = await h.http(path, { token: analyst });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('journeys-position'), path).toBe(position);
      expect(res.headers.get('journeys-caught-up'), path).toBe('true');
      const body = (await res.json()) as { freshness?: { position: string; caughtUp: boolean } };
      expect(body.freshness, path).toEqual({ position, caughtUp: true });
    }
    const one = await h.http('/api/journeys/claim-2', { token: analyst });
    expect(one.headers.get('journeys-position')).toBe(position);
  });

  it("shows a department token its own department's workload only", async () => {
    const assessment = await h.token('department:assessment');
    const workload = await getJson('/api/analytics/departments', assessment, DepartmentsSchema);
    expect(workload.departments.map((d) => d.department)).toEqual(['Assessment']);
  });
});

describe('audit', () => {
  it('pages through every stored event by position, with filters', async () => {
    const head = await h.rt.store.headPosition();
    const positions: number[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const body = await getJson(`/api/audit/events?limit=7${q}`, auditor, page(StoredEventSchema));
      positions.push(...body.items.map((e) => e.position));
      cursor = body.nextCursor;
    } while (cursor);
    const stored: number[] = [];
    for await (const e of h.rt.store.readAll()) stored.push(e.position);
    expect(positions).toEqual(stored);
    expect(positions.at(-1)).toBe(head);

    const one = await getJson('/api/audit/events?journeyId=claim-3&type=WorkStarted,WorkCompleted', auditor, page(StoredEventSchema));
    expect(one.items.map((e) => e.event.type)).toEqual(['WorkStarted', 'WorkCompleted', 'WorkStarted', 'WorkCompleted']);
    const dept = await getJson(
      '/api/audit/events?department=Assessment&from=2026-03-02T08:00:00Z&to=2026-03-02T12:00:00Z',
      auditor,
      page(StoredEventSchema),
    );
    expect(dept.items.every((e) => e.event.department === 'Assessment' && e.event.occurredAt < '2026-03-02T12:00:00Z')).toBe(true);
    expect(dept.items.length).toBeGreaterThan(0);
  });

  it('streams the whole history as NDJSON', async () => {
    const res = await h.http('/api/audit/events', { token: auditor, headers: { accept: 'application/x-ndjson' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(await h.rt.store.eventsAfter(0));
    let first: number | undefined;
    for await (const e of h.rt.store.readAll({ maxCount: 1 })) first = e.position;
    expect(StoredEventSchema.parse(JSON.parse(lines[0]!)).position).toBe(first);
  });

  it('verifies the chain', async () => {
    const result = await getJson('/api/audit/verify', auditor, ChainVerificationSchema);
    expect(result).toMatchObject({ ok: true, brokenAt: null });
    expect(result.checked).toBe(await h.rt.store.eventsAfter(0));
  });
});

describe('operations', () => {
  it('is live and ready, with the reasons spelled out', async () => {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: { store: { ok: true }, bus: { ok: true, kind: 'in-process' }, projections: { ok: true, lag: 0 } },
    });
  });

  it('is not ready while the projections are still catching up, even with a small lag', async () => {
    // Given a store, bus and read models that are all fine, but a runner that has not finished its first pass
    const parts = { store: h.rt.store, bus: h.rt.bus, queries: h.rt.queries };
    const before = await checkReadiness({ ...parts, projectionsCaughtUp: () => false } as unknown as AppDeps);
    // Then readiness says no, and says why
    expect(before.ready).toBe(false);
    expect(before.checks.projections.ok).toBe(false);
    expect(before.reasons.join(' ')).toMatch(/catching up/);
    // And once the runner has caught up, the same parts are ready
    const after = await checkReadiness({ ...parts, projectionsCaughtUp: () => h.rt.projections.caughtUp() } as unknown as AppDeps);
    expect(after.ready).toBe(true);
  });

  it('serves Prometheus metrics to admin: HTTP latency, ingest, projection lag', async () => {
    const res = await h.http('/metrics', { token: admin });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('journeys_http_request_duration_seconds_bucket{');
    expect(text).toMatch(/route="\/api\/journeys\/:id"/);
    expect(text).toContain('journeys_ingest_events_total');
    expect(text).toContain('journeys_projection_lag_events 0');
    expect(text).toContain('journeys_http_events_total{outcome="accepted"}');
  });

  it('echoes a caller X-Request-Id and makes one up otherwise', async () => {
    const given = await fetch(`${h.url}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await fetch(`${h.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('issues tokens to admin (for the widget) that open exactly one status', async () => {
    const res = await h.post('/api/tokens', { role: 'customer', journeyId: 'loan-2', ttl: '10m' }, admin);
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    expect((await h.http('/api/journeys/loan-2/status', { token })).status).toBe(200);
    expect((await h.http('/api/journeys/loan-1/status', { token })).status).toBe(403);
  });

  it('explains how to build the viewer when it is not built', async () => {
    const res = await fetch(`${h.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('pnpm --filter @journeys/viewer build');
  });
});

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3.1 document generated from the contracts, covering every route', async () => {
    const res = await fetch(`${h.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, object>; components: { schemas: Record<string, object> } };
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/api/events',
      '/api/journeys',
      '/api/journeys/{id}',
      '/api/journeys/{id}/status',
      '/api/journeys/{id}/status/stream',
      '/api/analytics/handoffs',
      '/api/analytics/process-map',
      '/api/analytics/departments',
      '/api/replay',
      '/api/audit/events',
      '/api/audit/verify',
      '/api/dead-letters',
      '/api/alerts',
      '/api/alerts/stream',
      '/api/calendars',
      '/healthz',
      '/readyz',
      '/metrics',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['JourneyEvent', 'CustomerStatus', 'Problem', 'JourneyTimeline', 'AlertPage', 'AlertDigest', 'Calendars']),
    );
    // The query parameters come from the same zod schemas the handlers parse.
    const handoffs = (doc.paths['/api/analytics/handoffs'] as { get: { parameters: { name: string; schema: { enum?: string[] } }[] } }).get;
    expect(handoffs.parameters.find((p) => p.name === 'clock')?.schema.enum).toEqual(['elapsed', 'business']);
    const alerts = (doc.paths['/api/alerts'] as { get: { parameters: { name: string }[] } }).get;
    expect(alerts.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['state', 'kind', 'department', 'journeyId', 'cursor', 'limit']));
  });
});
