import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from '../src/index.ts';
import { journeyEvents, startHarness, type Harness } from './support/harness.ts';

/**
 * Given a running server with one journey, when a client sends something wrong, then it
 * gets the right 4xx as application/problem+json — and never a 5xx.
 */
let h: Harness;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness();
  await h.publish(journeyEvents('claim-1'));
  const otherKey = createAuth({ secret: randomBytes(32) });
  const past = createAuth({ secret: h.secret, now: () => Date.now() - 3 * 3600_000 });
  tokens.admin = await h.token('admin');
  tokens.analyst = await h.token('analyst');
  tokens.auditor = await h.token('auditor');
  tokens.intake = await h.token('department:intake');
  tokens.customer = await h.token('customer', { journeyId: 'claim-1' });
  tokens.otherCustomer = await h.token('customer', { journeyId: 'claim-2' });
  tokens.expired = await past.sign({ role: 'admin', ttlSeconds: 3600 });
  tokens.forged = await otherKey.sign({ role: 'admin' });
  // A token that claims "no signature needed": must never be accepted.
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  tokens.algNone = `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ role: 'admin', iss: 'journeys', aud: 'journeys-api', exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
  tokens.algNoneSig = `${tokens.algNone}x`;
});

afterAll(async () => {
  await h?.close();
});

const valid = (over: object = {}) => ({
  id: randomUUID(),
  type: 'WorkStarted',
  journeyId: 'claim-1',
  department: 'Intake',
  occurredAt: '2026-03-02T09:00:00Z',
  schemaVersion: 1,
  data: { activity: 'Check documents' },
  ...over,
});

interface Case {
  name: string;
  method?: 'GET' | 'POST';
  path: string;
  token?: keyof typeof tokens | undefined;
  headers?: Record<string, string>;
  body?: string | (() => string);
  status: number;
  /** Paths that must appear among the listed problems. */
  problems?: string[];
}

const json = { 'content-type': 'application/json' };
const post = (name: string, body: unknown, status: number, extra: Partial<Case> = {}): Case => ({
  name,
  method: 'POST',
  path: '/api/events',
  token: 'admin',
  headers: json,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  status,
  ...extra,
});

const cases: Case[] = [
  // POST /api/events
  post('malformed JSON', '{"type": "WorkStarted",', 400),
  post('a JSON string instead of an event', '"hello"', 400),
  post('an empty array', [], 400),
  post('wrong types', valid({ journeyId: 5, schemaVersion: 'one' }), 400, { problems: ['journeyId', 'schemaVersion'] }),
  post('unknown fields', valid({ surprise: true }), 400),
  post('an unknown field in the payload', valid({ data: { activity: 'x', extra: 1 } }), 400, { problems: ['data'] }),
  post('one bad event among valid ones, located by index', [valid(), valid(), valid(), valid({ data: { activity: '' } })], 400, {
    problems: ['[3].data.activity'],
  }),
  post('control characters in a name', valid({ journeyId: 'a\u0000b' }), 400, { problems: ['journeyId'] }),
  post('an occurredAt without offset', valid({ occurredAt: '2026-03-02 09:00' }), 400, { problems: ['occurredAt'] }),
  post('an occurredAt far in the future', valid({ occurredAt: '2099-01-01T00:00:00Z' }), 400, { problems: ['occurredAt'] }),
  post(
    'the same id twice in one request',
    (() => {
      const e = valid();
      return [e, { ...e, data: { activity: 'other' } }];
    })(),
    409,
  ),
  post(
    'more than 1 000 events',
    Array.from({ length: 1001 }, () => valid()),
    413,
  ),
  // Three events, but over the byte limit: refused before parsing.
  {
    ...post('more than 1 MB', '', 413),
    body: () => JSON.stringify(Array.from({ length: 3 }, () => valid({ actor: 'x'.repeat(400_000) }))),
  },
  post('a text/plain body', JSON.stringify(valid()), 415, { headers: { 'content-type': 'text/plain' } }),
  post('no content type', JSON.stringify(valid()), 415, { headers: {} }),
  post('a latin-1 charset', JSON.stringify(valid()), 415, { headers: { 'content-type': 'application/json; charset=latin1' } }),
  post('a department token publishing for another department', valid({ department: 'Assessment' }), 403, {
    token: 'intake',
    problems: ['department'],
  }),
  post('an analyst token', valid(), 403, { token: 'analyst' }),
  post('a customer token', valid(), 403, { token: 'customer' }),
  post('no token', valid(), 401, { token: undefined }),
  post('an expired token', valid(), 401, { token: 'expired' }),
  post('a token signed with another key', valid(), 401, { token: 'forged' }),
  post('an unsigned (alg: none) token', valid(), 401, { token: 'algNone' }),
  post('an alg: none token with a fake signature', valid(), 401, { token: 'algNoneSig' }),
  post('a Basic authorization header', valid(), 401, { token: undefined, headers: { ...json, authorization: 'Basic YWRtaW46YWRtaW4=' } }),
  post('a garbage bearer token', valid(), 401, { token: undefined, headers: { ...json, authorization: 'Bearer not.a.jwt' } }),

  // GET /api/journeys
  { name: 'limit 0', path: '/api/journeys?limit=0', token: 'analyst', status: 400, problems: ['query.limit'] },
  { name: 'limit not a number', path: '/api/journeys?limit=ten', token: 'analyst', status: 400, problems: ['query.limit'] },
  { name: 'an unknown state', path: '/api/journeys?state=lost', token: 'analyst', status: 400, problems: ['query.state'] },
  { name: 'breached=maybe', path: '/api/journeys?breached=maybe', token: 'analyst', status: 400, problems: ['query.breached'] },
  { name: 'an unknown query parameter', path: '/api/journeys?colour=red', token: 'analyst', status: 400 },
  { name: 'a repeated query parameter', path: '/api/journeys?state=completed&state=in-progress', token: 'analyst', status: 400 },
  { name: 'a made-up cursor', path: '/api/journeys?cursor=abc', token: 'analyst', status: 400, problems: ['query.cursor'] },
  {
    name: 'a forged cursor',
    path: `/api/journeys?cursor=${Buffer.from('"x"').toString('base64url')}.AAAAAAAAAAAAAAAA`,
    token: 'analyst',
    status: 400,
  },
  { name: 'a token in the query of a header-only route', path: '/api/journeys?token=x', token: undefined, status: 401 },
  { name: 'a customer token on the journey list', path: '/api/journeys', token: 'customer', status: 403 },
  { name: 'a department token on the journey list', path: '/api/journeys', token: 'intake', status: 403 },

  // GET /api/journeys/:id and status
  { name: 'a NUL in a journey id', path: '/api/journeys/a%00b', token: 'analyst', status: 400, problems: ['path.id'] },
  { name: 'a journey id longer than 128', path: `/api/journeys/${'x'.repeat(129)}`, token: 'analyst', status: 400 },
  { name: 'a broken percent-encoding', path: '/api/journeys/%E0%A4%A', token: 'analyst', status: 400 },
  { name: 'an unknown journey', path: '/api/journeys/no-such-claim', token: 'analyst', status: 404 },
  { name: 'an odd but valid journey id', path: `/api/journeys/${encodeURIComponent('ü 🚀 <script>')}`, token: 'analyst', status: 404 },
  { name: 'a query parameter on the timeline', path: '/api/journeys/claim-1?x=1', token: 'analyst', status: 400 },
  { name: 'a customer token reading the timeline', path: '/api/journeys/claim-1', token: 'customer', status: 403 },
  { name: "a customer token on another journey's status", path: '/api/journeys/claim-1/status', token: 'otherCustomer', status: 403 },
  {
    name: "a customer token on another journey's stream",
    path: '/api/journeys/claim-1/status/stream',
    token: 'otherCustomer',
    status: 403,
  },
  { name: 'an expired customer token in the query', path: `/api/journeys/claim-1/status?token=EXPIRED`, status: 401 },
  { name: 'a status of an unknown journey', path: '/api/journeys/nope/status', token: 'analyst', status: 404 },
  { name: 'a stream of an unknown journey', path: '/api/journeys/nope/status/stream', token: 'analyst', status: 404 },
  { name: 'a department token on a status', path: '/api/journeys/claim-1/status', token: 'intake', status: 403 },

  // analytics, replay
  {
    name: 'a from that is not an instant',
    path: '/api/analytics/handoffs?from=yesterday',
    token: 'analyst',
    status: 400,
    problems: ['query.from'],
  },
  { name: 'replay without asOf', path: '/api/replay', token: 'analyst', status: 400, problems: ['query.asOf'] },
  { name: 'replay with a garbage asOf', path: '/api/replay?asOf=2026-13-45', token: 'analyst', status: 400 },
  { name: 'an auditor on analytics', path: '/api/analytics/process-map', token: 'auditor', status: 403 },
  { name: 'the analyst stream with a customer token', path: '/api/stream', token: 'customer', status: 403 },

  // audit
  {
    name: 'an unknown event type',
    path: '/api/audit/events?type=WorkStarted,Nope',
    token: 'auditor',
    status: 400,
    problems: ['query.type[1]'],
  },
  { name: 'a to that is not an instant', path: '/api/audit/events?to=soon', token: 'auditor', status: 400 },
  { name: 'an audit cursor from the journey list', path: '/api/audit/events?cursor=abc.def', token: 'auditor', status: 400 },
  { name: 'limit above the maximum', path: '/api/audit/events?limit=100000', token: 'auditor', status: 400 },
  { name: 'an analyst on the audit trail', path: '/api/audit/events', token: 'analyst', status: 403 },
  { name: 'a customer verifying the chain', path: '/api/audit/verify', token: 'customer', status: 403 },

  // the rest
  { name: 'an unknown route', path: '/api/nothing-here', token: 'admin', status: 404 },
  { name: 'metrics without a token', path: '/metrics', status: 401 },
  { name: 'metrics with an analyst token', path: '/metrics', token: 'analyst', status: 403 },
  {
    name: 'a token request for an unknown role',
    method: 'POST',
    path: '/api/tokens',
    token: 'admin',
    headers: json,
    body: JSON.stringify({ role: 'root' }),
    status: 400,
  },
  {
    name: 'a customer token request without a journey',
    method: 'POST',
    path: '/api/tokens',
    token: 'admin',
    headers: json,
    body: JSON.stringify({ role: 'customer' }),
    status: 400,
  },
  {
    name: 'an analyst asking for a token',
    method: 'POST',
    path: '/api/tokens',
    token: 'analyst',
    headers: json,
    body: JSON.stringify({ role: 'admin' }),
    status: 403,
  },
];

describe('bad requests get a precise 4xx problem, never a 5xx', () => {
  it.each(cases)('$name → $status', async (c) => {
    const headers = new Headers(c.headers);
    if (c.token !== undefined && !headers.has('authorization')) headers.set('authorization', `Bearer ${tokens[c.token]}`);
    const path = c.path.replace('EXPIRED', tokens.expired!);
    const body = typeof c.body === 'function' ? c.body() : c.body;
    const res = await fetch(h.url + path, { method: c.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    expect(res.status, text).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(text) as { status: number; type: string; title: string; detail?: string; problems?: { path: string }[] };
    expect(problem.status).toBe(c.status);
    expect(problem.type).toMatch(/^https:\/\/journeys\.dev\/problems\//);
    expect(text).not.toMatch(/at .*\.ts:\d+|node_modules|Error:/); // no stack traces
    if (c.problems) expect(problem.problems?.map((p) => p.path)).toEqual(expect.arrayContaining(c.problems));
    if (c.status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('publishes nothing from a request that had any problem', async () => {
    const head = await h.rt.store.headPosition();
    const good = valid();
    const res = await h.http('/api/events', {
      method: 'POST',
      token: tokens.admin,
      headers: json,
      body: JSON.stringify([good, valid({ type: 'Nope' })]),
    });
    expect(res.status).toBe(400);
    await h.settle();
    expect(await h.rt.store.headPosition()).toBe(head);
  });
});
