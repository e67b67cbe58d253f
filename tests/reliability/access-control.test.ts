import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { connectNatsBus, type NatsBus } from '@journeys/bus';
import { createAuth } from '@journeys/api';
import { departmentInboxPrefix } from '@journeys/contracts';
import { createEmitter } from '@journeys/emitter';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { startIngest, type IngestHandle } from '@journeys/ingest';
import { pino } from 'pino';
import { journeyEvents, startHarness, type Harness } from '../../services/api/test/support/harness.ts';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../support/nats.ts';
import { startServeProcess } from '../support/serve-process.ts';
import { ingestUser, natsConfig, PASSWORDS, tempDir, workStarted } from '../ingest/helpers.ts';
import { waitFor } from './support/checks.ts';

/**
 * The access matrix of docs/api.md as a test: every route against every role, with the
 * status each must get. A department cannot publish as another one by any path, and no
 * token or secret ever reaches the logs.
 */
type Who = 'none' | 'customer' | 'otherCustomer' | 'department' | 'analyst' | 'auditor' | 'admin';
const WHO: Who[] = ['none', 'customer', 'otherCustomer', 'department', 'analyst', 'auditor', 'admin'];

const JOURNEY = 'acl-1';
const OTHER = 'acl-2';

interface RouteCase {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: () => unknown;
  sse?: boolean;
  /** Expected status per caller, in WHO order. */
  expect: [number, number, number, number, number, number, number];
}

const intakeEvent = () => ({
  id: randomUUID(),
  type: 'WorkStarted',
  journeyId: JOURNEY,
  department: 'Intake',
  occurredAt: '2026-03-02T10:00:00Z',
  schemaVersion: 1,
  data: { activity: 'Check' },
});

const ASOF = encodeURIComponent('2026-03-03T00:00:00Z');
//                                                                   none cust other dept analyst auditor admin
const ROUTES: RouteCase[] = [
  { name: 'publish events', method: 'POST', path: '/api/events', body: intakeEvent, expect: [401, 403, 403, 202, 403, 403, 202] },
  { name: 'list journeys', method: 'GET', path: '/api/journeys', expect: [401, 403, 403, 403, 200, 200, 200] },
  { name: 'list timelines', method: 'GET', path: '/api/timelines', expect: [401, 403, 403, 403, 200, 200, 200] },
  { name: 'timeline', method: 'GET', path: `/api/journeys/${JOURNEY}`, expect: [401, 403, 403, 403, 200, 200, 200] },
  { name: 'customer status', method: 'GET', path: `/api/journeys/${JOURNEY}/status`, expect: [401, 200, 403, 403, 200, 200, 200] },
  { name: 'status stream', method: 'GET', path: `/api/journeys/${JOURNEY}/status/stream`, sse: true, expect: [401, 200, 403, 403, 200, 200, 200] },
  { name: 'handoff analytics', method: 'GET', path: '/api/analytics/handoffs', expect: [401, 403, 403, 403, 200, 403, 200] },
  { name: 'process map', method: 'GET', path: '/api/analytics/process-map', expect: [401, 403, 403, 403, 200, 403, 200] },
  { name: 'department workload', method: 'GET', path: '/api/analytics/departments', expect: [401, 403, 403, 200, 200, 403, 200] },
  { name: 'replay', method: 'GET', path: `/api/replay?asOf=${ASOF}`, expect: [401, 403, 403, 403, 200, 403, 200] },
  { name: 'viewer change feed', method: 'GET', path: '/api/stream', sse: true, expect: [401, 403, 403, 403, 200, 403, 200] },
  { name: 'silo alerts', method: 'GET', path: '/api/alerts', expect: [401, 403, 403, 200, 200, 403, 200] },
  { name: 'alert stream', method: 'GET', path: '/api/alerts/stream', sse: true, expect: [401, 403, 403, 200, 200, 403, 200] },
  { name: 'calendars', method: 'GET', path: '/api/calendars', expect: [401, 403, 403, 200, 200, 403, 200] },
  { name: 'audit events', method: 'GET', path: '/api/audit/events', expect: [401, 403, 403, 403, 403, 200, 200] },
  { name: 'audit verify', method: 'GET', path: '/api/audit/verify', expect: [401, 403, 403, 403, 403, 200, 200] },
  { name: 'issue token', method: 'POST', path: '/api/tokens', body: () => ({ role: 'customer', journeyId: JOURNEY, ttl: '1h' }), expect: [401, 403, 403, 403, 403, 403, 201] },
  { name: 'dead letters', method: 'GET', path: '/api/dead-letters', expect: [401, 403, 403, 403, 403, 403, 200] },
  { name: 'metrics', method: 'GET', path: '/metrics', expect: [401, 403, 403, 403, 403, 403, 200] },
  { name: 'liveness', method: 'GET', path: '/healthz', expect: [200, 200, 200, 200, 200, 200, 200] },
  { name: 'readiness', method: 'GET', path: '/readyz', expect: [200, 200, 200, 200, 200, 200, 200] },
  { name: 'OpenAPI', method: 'GET', path: '/api/openapi.json', expect: [200, 200, 200, 200, 200, 200, 200] },
];

describe('access control: every route × every role', () => {
  let h: Harness;
  const tokens = {} as Record<Who, string | undefined>;

  beforeAll(async () => {
    h = await startHarness();
    await h.publish([...journeyEvents(JOURNEY), ...journeyEvents(OTHER)]);
    tokens.none = undefined;
    tokens.customer = await h.token('customer', { journeyId: JOURNEY });
    tokens.otherCustomer = await h.token('customer', { journeyId: OTHER });
    tokens.department = await h.token('department:intake');
    tokens.analyst = await h.token('analyst');
    tokens.auditor = await h.token('auditor');
    tokens.admin = await h.token('admin');
  });
  afterAll(async () => {
    await h?.close();
  });

  async function call(route: RouteCase, who: Who, via: 'header' | 'query' = 'header'): Promise<{ status: number; type: string; body: string }> {
    const token = tokens[who];
    const headers: Record<string, string> = {};
    let path = route.path;
    if (token !== undefined && via === 'header') headers.authorization = `Bearer ${token}`;
    if (token !== undefined && via === 'query') path += `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
    if (route.body) headers['content-type'] = 'application/json';
    if (route.sse) headers.accept = 'text/event-stream';
    const ac = new AbortController();
    const res = await fetch(h.url + path, {
      method: route.method,
      headers,
      signal: ac.signal,
      ...(route.body ? { body: JSON.stringify(route.body()) } : {}),
    });
    const type = res.headers.get('content-type') ?? '';
    // a stream that opened is left at once: its status is what the matrix is about
    const body = res.status === 200 && route.sse ? '' : await res.text();
    ac.abort();
    return { status: res.status, type, body };
  }

  for (const route of ROUTES) {
    it(`${route.method} ${route.path} (${route.name})`, async () => {
      const got: Record<string, number> = {};
      const want: Record<string, number> = {};
      for (const [i, who] of WHO.entries()) {
        const r = await call(route, who);
        got[who] = r.status;
        want[who] = route.expect[i]!;
        if (r.status >= 400) expect(r.type, `${who}: ${r.body}`).toMatch(/^application\/problem\+json/);
        // a refusal never leaks the read model it guards
        if (r.status === 401 || r.status === 403) expect(r.body).not.toMatch(/Assess damage|c-acl-/);
      }
      expect(got).toEqual(want);
    });
  }

  it('accepts ?token= only on the status routes and the streams', async () => {
    for (const route of ROUTES.filter((r) => r.method === 'GET' && !['/healthz', '/readyz', '/api/openapi.json'].includes(r.path))) {
      const r = await call(route, 'admin', 'query');
      const allowed = route.path.includes('/status') || route.path.endsWith('/stream');
      expect({ path: route.path, status: r.status }).toEqual({ path: route.path, status: allowed ? 200 : 401 });
    }
  });

  it('refuses forged, expired and wrong-audience tokens with 401 on every guarded route', async () => {
    const otherKey = createAuth({ secret: randomBytes(32) });
    const forged = await otherKey.sign({ role: 'admin' });
    const expired = await h.rt.auth.sign({ role: 'admin', ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    const [header, payload] = (await h.token('analyst')).split('.');
    const noneAlg = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ role: 'admin', iss: 'journeys', aud: 'journeys-api', exp: 9e9 })).toString('base64url')}.${(await h.token('analyst')).split('.')[2]}`;
    for (const bad of [forged, expired, noneAlg, tampered, 'garbage', 'a.b.c']) {
      for (const route of ROUTES.filter((r) => r.expect[0] === 401)) {
        const res = await fetch(h.url + route.path, {
          method: route.method,
          headers: { authorization: `Bearer ${bad}`, ...(route.body ? { 'content-type': 'application/json' } : {}) },
          ...(route.body ? { body: JSON.stringify(route.body()) } : {}),
        });
        expect({ route: route.path, status: res.status }).toEqual({ route: route.path, status: 401 });
        await res.body?.cancel();
      }
    }
  });

  it('shows a department only its own row of the workload', async () => {
    const res = await h.http('/api/analytics/departments', { token: tokens.department! });
    const body = (await res.json()) as { departments: Array<{ department: string }> };
    expect(body.departments.length).toBeGreaterThan(0);
    expect(new Set(body.departments.map((d) => d.department))).toEqual(new Set(['Intake']));
  });

  it('never lets a department publish as another over HTTP, alone or hidden in a batch, and publishes nothing then', async () => {
    const before = await h.rt.store.headPosition();
    const asBilling = { ...intakeEvent(), department: 'Billing' };
    const lookalike = { ...intakeEvent(), department: 'Intake-2' };
    for (const body of [asBilling, [intakeEvent(), asBilling], [lookalike], [intakeEvent(), intakeEvent(), { ...asBilling, department: 'Assessment' }]]) {
      const res = await h.post('/api/events', body, tokens.department);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { problems: Array<{ code: string }> }).problems.some((p) => p.code === 'forbidden_department')).toBe(true);
    }
    await h.settle();
    expect(await h.rt.store.headPosition()).toBe(before);
  });
});

describe.skipIf(!natsServerAvailable())('access control on the bus: a department cannot publish as another', () => {
  let nats: NatsServerHandle;
  let dir: ReturnType<typeof tempDir>;
  let ingestBus: NatsBus;
  let store: EventStore;
  let ingest: IngestHandle;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    nats = await startNatsServer({ config: natsConfig() });
    dir = tempDir('journeys-acl-');
    ingestBus = await connectNatsBus({ servers: nats.url, ...ingestUser });
    store = getSQLiteEventStore({ path: join(dir.path, 'journeys.db') });
    ingest = await startIngest({ bus: ingestBus, store, logger: pino({ level: 'silent' }), fetchWaitMs: 200 });
  });
  afterAll(async () => {
    for (const c of closers) await c();
    await ingest.stop();
    await ingestBus.close();
    await store.close();
    await nats.stop();
    dir.remove();
  });

  it("is refused by the server on another department's subject, dead-lettered when it lies in the payload, stored only as itself", async () => {
    const intake = await connectNatsBus({ servers: nats.url, user: 'intake', pass: PASSWORDS.intake, manageStreams: false, inboxPrefix: departmentInboxPrefix('Intake') });
    closers.push(() => intake.close());
    // another department's subject: the server refuses (permissions)
    const [onBilling] = await intake.publish([workStarted('bus-1', 'Billing')], { timeoutMs: 3000 });
    expect(onBilling).toMatchObject({ ok: false, error: { code: 'rejected' } });
    // its own subject with another department in the payload: dead-lettered with the reason
    const liar = workStarted('bus-1', 'Billing');
    const raw = await intake.publishRaw('journey.events.intake.WorkStarted', JSON.stringify(liar), { msgId: liar.id });
    expect(raw.ok).toBe(true);
    // the streams and the DLQ are not a department's to touch
    const [dlq] = await Promise.all([intake.publishRaw('journey.dlq.billing', '{}', { timeoutMs: 2000 })]);
    expect(dlq.ok).toBe(false);
    // its own events go through
    const own = workStarted('bus-1', 'Intake');
    expect((await intake.publish([own]))[0]).toMatchObject({ ok: true });

    await waitFor('the lie dead-lettered and the own event stored', async () => (await ingestBus.deadLetters()).length === 1 && (await store.eventsAfter(0)) === 1);
    const [letter] = await ingestBus.deadLetters();
    expect(letter).toMatchObject({ reason: 'department_mismatch', eventId: liar.id, departmentSlug: 'intake' });
    const stored: string[] = [];
    for await (const e of store.readAll()) stored.push(e.event.id);
    expect(stored).toEqual([own.id]);
  });

  it("cannot read the others' JetStream acks and deliveries on _INBOX.>, and still emits its own events", async () => {
    // Given intake's user, connected with its own inbox prefix
    const intake = await connectNatsBus({ servers: nats.url, user: 'intake', pass: PASSWORDS.intake, manageStreams: false, inboxPrefix: departmentInboxPrefix('Intake') });
    closers.push(() => intake.close());
    // When it subscribes to everyone's inboxes (where ingest's pulls and acks travel)
    const refused = new Promise<Error>((resolve) => {
      intake.connection.subscribe('_INBOX.>', {
        callback: (err) => {
          if (err) resolve(err);
        },
      });
    });
    // Then the server refuses the subscription
    const err = await refused;
    expect(err.name).toBe('PermissionViolationError');
    expect(err).toMatchObject({ operation: 'subscription', subject: '_INBOX.>' });
    // while its emitter (acks on _INBOX_intake) still gets its own events through to the store
    const emitter = createEmitter({ department: 'Intake', servers: nats.url, user: 'intake', pass: PASSWORDS.intake, attemptTimeoutMs: 3000 });
    closers.push(() => emitter.close());
    const { id, duplicate } = await emitter.workStarted('bus-2', { activity: 'Check' });
    expect(duplicate).toBe(false);
    await waitFor('the emitted event stored', async () => {
      for await (const e of store.readAll()) if (e.event.id === id) return true;
      return false;
    });
  });
});

describe('secrets never reach the logs', () => {
  it('a real `journey serve` run at debug level logs no token, no secret, no Authorization header', async () => {
    const dir = tempDir('journeys-logs-');
    const secret = `s3cret-${randomBytes(24).toString('base64url')}`;
    const serve = await startServeProcess({
      env: { JOURNEY_STORE: `sqlite:${join(dir.path, 'journeys.db')}`, JOURNEY_AUTH_SECRET: secret, LOG_LEVEL: 'debug' },
    });
    try {
      const auth = createAuth({ secret });
      const admin = await auth.sign({ role: 'admin' });
      const customer = await auth.sign({ role: 'customer', journeyId: JOURNEY });
      const department = await auth.sign({ role: 'department:intake' });
      const forged = await createAuth({ secret: randomBytes(32) }).sign({ role: 'admin' });
      const get = (path: string, token?: string) =>
        fetch(serve.url + path, token ? { headers: { authorization: `Bearer ${token}` } } : {}).then(async (r) => (await r.text(), r.status));
      // publish, read with header and ?token=, fail with a forged one, and have a token issued
      const pub = await fetch(`${serve.url}/api/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${department}`, 'content-type': 'application/json' },
        body: JSON.stringify(journeyEvents(JOURNEY).filter((e) => (e as { department: string }).department === 'Intake')),
      });
      expect(pub.status).toBe(202);
      await new Promise((r) => setTimeout(r, 500));
      expect(await get(`/api/journeys/${JOURNEY}/status?token=${customer}`)).toBe(200);
      expect(await get(`/api/journeys/${JOURNEY}/status?token=${forged}`)).toBe(401);
      expect(await get('/api/journeys', forged)).toBe(401);
      expect(await get('/api/journeys', admin)).toBe(200);
      expect(await get(`/api/journeys/${OTHER}/status?token=${customer}`)).toBe(403);
      const issued = await fetch(`${serve.url}/api/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'customer', journeyId: JOURNEY }),
      });
      expect(issued.status).toBe(201);
      expect(((await issued.json()) as { token: string }).token).toMatch(/^eyJ/);
      const sse = new AbortController();
      const stream = await fetch(`${serve.url}/api/journeys/${JOURNEY}/status/stream?token=${customer}`, { signal: sse.signal });
      expect(stream.status).toBe(200);
      sse.abort();
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await serve.stop();
      dir.remove();
    }
    const logs = serve.stdout() + serve.stderr();
    const lines = logs.split('\n').filter(Boolean);
    // the run was logged at all (so the absence below means something)
    expect(lines.filter((l) => l.includes('/api/journeys')).length).toBeGreaterThan(3);
    expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/); // no JWT of any kind
    expect(logs.toLowerCase()).not.toContain('bearer ');
    expect(logs).not.toMatch(/"authorization"/i);
  });
});
