import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { journeyEvents } from '../../services/api/test/support/harness.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { waitFor } from './support/checks.ts';

/**
 * Fuzzed HTTP: query strings for every route, path ids, headers, and bodies for the two
 * POST routes (JSON of any shape, mutated events, deep nesting, non-JSON, wrong types and
 * encodings). Expected: a 2xx/3xx, or a 4xx as application/problem+json — never a 5xx,
 * never a dropped connection; the process stays up and every event answered 202 is stored.
 */
const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 60);
const JOURNEY = 'fuzz-1';

const GET_ROUTES = [
  '/api/journeys',
  '/api/timelines',
  `/api/journeys/${JOURNEY}`,
  `/api/journeys/${JOURNEY}/status`,
  '/api/analytics/handoffs',
  '/api/analytics/process-map',
  '/api/analytics/departments',
  '/api/replay',
  '/api/alerts',
  '/api/calendars',
  '/api/audit/events',
  '/api/audit/verify',
  '/metrics',
  '/healthz',
  '/readyz',
  '/api/openapi.json',
];
const STREAMS = [`/api/journeys/${JOURNEY}/status/stream`, '/api/stream', '/api/alerts/stream'];

const KNOWN_PARAMS = ['journeyType', 'department', 'state', 'breached', 'limit', 'cursor', 'from', 'to', 'asOf', 'journeyId', 'type', 'token', 'lastEventId', 'kind', 'clock'];

/** A raw query-string component: sometimes well encoded, sometimes broken on purpose. */
const rawComponent = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ maxLength: 40, unit: 'binary' }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%C0%AF', '[]', 'a[b]=c', '..%2F..', '-1', '1e309', 'NaN', '9'.repeat(40), '2026-13-45T99:99:99Z', 'true', 'null', '', '+', '%2B%2B', '\u{1F600}'),
  fc.integer().map(String),
  fc.date({ noInvalidDate: true }).map((d) => encodeURIComponent(d.toISOString())),
);
const queryString = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...KNOWN_PARAMS), rawComponent), rawComponent), { maxLength: 6 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
const pathId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '..', '%2e%2e', '%2F', 'a%00b', 'x'.repeat(2000), '%E0%A4%A', JOURNEY),
);

const validEvent = () => journeyEvents(`fuzz-${randomUUID().slice(0, 8)}`)[1] as Record<string, unknown>;
/** An event with some fields replaced by anything, or removed. */
const mutatedEvent = fc
  .tuple(
    fc.dictionary(fc.constantFrom('id', 'type', 'journeyId', 'department', 'occurredAt', 'schemaVersion', 'data', 'actor', 'correlationId', 'extra'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
    fc.subarray(['id', 'type', 'journeyId', 'department', 'occurredAt', 'schemaVersion', 'data']),
  )
  .map(([overrides, remove]) => {
    const e: Record<string, unknown> = { ...validEvent(), ...overrides };
    for (const k of remove) delete e[k];
    return e;
  });
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const body = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), weight: 2 },
  { arbitrary: mutatedEvent.map((e) => JSON.stringify(e)), weight: 4 },
  { arbitrary: fc.array(fc.oneof(mutatedEvent, fc.constant(null).map(validEvent)), { maxLength: 20 }).map((a) => JSON.stringify(a)), weight: 3 },
  { arbitrary: fc.string({ maxLength: 200, unit: 'binary' }), weight: 1 },
  { arbitrary: fc.constantFrom(deep(100_000), `{"a":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_001)}`, '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"y":1}}}', '', 'null', '[]', '{}', '"\\ud800"'), weight: 1 },
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/problem+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=nonsense',
);

describe('fuzz: HTTP bodies, query strings, paths and headers on every route', () => {
  let s: TestServer;
  let admin: string;
  const accepted = new Set<string>();

  beforeAll(async () => {
    s = await startTestServer({ rateLimits: { ingress: 0, status: 0, failures: 0 } });
    admin = await s.token('admin');
    const res = await fetch(`${s.url}/api/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(journeyEvents(JOURNEY)),
    });
    for (const id of ((await res.json()) as { ids: string[] }).ids) accepted.add(id);
  });
  afterAll(async () => {
    await s?.close();
  });

  async function expectClean(res: Response, what: string): Promise<void> {
    const text = await res.text();
    expect(res.status, `${what} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
    if (res.status >= 400) expect(res.headers.get('content-type'), `${what}: ${text.slice(0, 200)}`).toMatch(/^application\/problem\+json/);
  }

  it.each(GET_ROUTES)('GET %s with fuzzed query strings', async (route) => {
    await fc.assert(
      fc.asyncProperty(queryString, async (q) => {
        await expectClean(await fetch(`${s.url}${route}?${q}`, { headers: { authorization: `Bearer ${admin}` } }), `GET ${route}?${q}`);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(STREAMS)('GET %s with fuzzed query strings and Last-Event-ID', async (route) => {
    await fc.assert(
      fc.asyncProperty(queryString, fc.string({ maxLength: 30 }), async (q, lastId) => {
        const ac = new AbortController();
        const headers: Record<string, string> = { authorization: `Bearer ${admin}`, accept: 'text/event-stream' };
        if (/^[\x20-\x7e]*$/.test(lastId)) headers['last-event-id'] = lastId;
        const res = await fetch(`${s.url}${route}?${q}`, { headers, signal: ac.signal });
        if (res.status === 200) ac.abort();
        else await expectClean(res, `GET ${route}?${q}`);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('GET /api/journeys/:id, /status and /status/stream with fuzzed ids', async () => {
    await fc.assert(
      fc.asyncProperty(pathId, fc.constantFrom('', '/status', '/status/stream'), async (id, suffix) => {
        const ac = new AbortController();
        const res = await fetch(`${s.url}/api/journeys/${id}${suffix}`, { headers: { authorization: `Bearer ${admin}` }, signal: ac.signal });
        if (res.status === 200 && suffix === '/status/stream') ac.abort();
        else await expectClean(res, `GET /api/journeys/${id.slice(0, 80)}${suffix}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('POST /api/events with fuzzed bodies and content types', async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.boolean(), async (text, type, asBytes) => {
        const res = await fetch(`${s.url}/api/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': type },
          body: asBytes ? new TextEncoder().encode(text) : text,
        });
        if (res.status === 202) {
          for (const id of ((await res.json()) as { ids: string[] }).ids) accepted.add(id);
          return;
        }
        await expectClean(res, `POST /api/events (${type}) ${text.slice(0, 120)}`);
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('POST /api/tokens with fuzzed bodies', async () => {
    const tokenBody = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        { role: fc.oneof(fc.constantFrom('admin', 'analyst', 'auditor', 'customer', 'department:x', 'department:', 'department:A B'), fc.string()), journeyId: fc.oneof(fc.string({ maxLength: 200 }), fc.integer()), ttl: fc.oneof(fc.constantFrom('1h', '0s', '999999999w', '-1d', '1e3', ''), fc.string(), fc.integer()) },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(tokenBody, async (b) => {
        const res = await fetch(`${s.url}/api/tokens`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify(b),
        });
        await expectClean(res, `POST /api/tokens ${JSON.stringify(b).slice(0, 120)}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('any route with fuzzed Authorization headers: 401 problem+json, never 5xx', async () => {
    const header = fc.oneof(
      fc.string({ maxLength: 200 }).filter((h) => /^[\x20-\x7e]*$/.test(h)),
      fc.string({ maxLength: 100 }).filter((h) => /^[\x21-\x7e]*$/.test(h)).map((t) => `Bearer ${t}`),
      fc.constantFrom('Bearer', 'Bearer ', 'bearer a.b.c', 'Basic dXNlcjpwYXNz', `Bearer ${'a'.repeat(5000)}.b.c`, 'Bearer e30.e30.', 'Bearer eyJhbGciOiJub25lIn0.e30.'),
    );
    await fc.assert(
      fc.asyncProperty(header, fc.constantFrom(...GET_ROUTES.filter((r) => !['/healthz', '/readyz', '/api/openapi.json'].includes(r))), async (h, route) => {
        const res = await fetch(`${s.url}${route}`, { headers: { authorization: h } });
        expect(res.status).toBe(401);
        await expectClean(res, `GET ${route} with Authorization: ${h.slice(0, 60)}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('is still up afterwards, and every event answered 202 is stored', async () => {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    await waitFor('ingest to store every accepted event', async () => (await s.rt.store.eventsAfter(0)) >= accepted.size, 30_000);
    const stored = new Set<string>();
    for await (const e of s.rt.store.readAll()) stored.add(e.event.id);
    expect([...accepted].filter((id) => !stored.has(id))).toEqual([]);
    expect(stored.size).toBe(accepted.size);
    expect((await s.rt.store.verify()).ok).toBe(true);
    expect(await s.rt.bus.deadLetters()).toEqual([]);
  });
});
