import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { journeyStreamName, type Role } from '@journeys/contracts';
import { loadConfig } from '../../../cli/src/config.ts';
import { startRuntime, type Runtime } from '../../../cli/src/runtime.ts';

/**
 * A real Journeys process for tests: SQLite store in a temp dir, in-process bus, ingest,
 * projections and the API on 127.0.0.1 with an ephemeral port. Nothing is mocked.
 */
export interface Harness {
  rt: Runtime;
  url: string;
  dir: string;
  storePath: string;
  secret: string;
  token(role: Role, options?: { journeyId?: string; ttlSeconds?: number }): Promise<string>;
  /** fetch against the server, with a bearer token when given. */
  http(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** POST of `body` as JSON, with a bearer token when given. */
  post(path: string, body: unknown, token?: string): Promise<Response>;
  /** Publishes through POST /api/events as admin and waits until the read models show them. */
  publish(events: object[]): Promise<string[]>;
  /** Waits until the store holds `count` events and the projections reflect them. */
  settle(count?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    env?: Record<string, string>;
    app?: { sseHeartbeatMs?: number; readyMaxLag?: number; viewerDir?: string; rateLimits?: import('../../src/index.ts').RateLimits };
    logger?: Logger;
  } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'journeys-api-'));
  const storePath = join(dir, 'journeys.db');
  const secret = randomBytes(32).toString('base64url');
  const config = loadConfig({
    JOURNEY_STORE: `sqlite:${storePath}`,
    JOURNEY_AUTH_SECRET: secret,
    PORT: '0',
    HOST: '127.0.0.1',
    ...options.env,
  });
  const rt = await startRuntime({
    config,
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    announce: () => {},
    readStore: false,
    ...(options.app ? { app: options.app } : {}),
  });
  const adminToken = await rt.auth.sign({ role: 'admin' });
  const h: Harness = {
    rt,
    url: rt.url,
    dir,
    storePath,
    secret,
    token: (role, o = {}) => rt.auth.sign({ role, ...o }),
    http(path, init = {}) {
      const { token, headers, ...rest } = init;
      const h2 = new Headers(headers);
      if (token !== undefined) h2.set('authorization', `Bearer ${token}`);
      return fetch(rt.url + path, { ...rest, headers: h2 });
    },
    post(path, body, token) {
      return h.http(path, {
        method: 'POST',
        ...(token !== undefined ? { token } : {}),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    },
    async publish(events) {
      const res = await h.post('/api/events', events, adminToken);
      if (res.status !== 202) throw new Error(`publish failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { ids: string[] };
      // Over NATS the 202 comes before ingest stored anything, and the store's head then says
      // nothing about these events: wait until each accepted id is in its journey's stream.
      const streams = new Map<string, Set<string>>();
      body.ids.forEach((id, i) => {
        const journeyId = (events[i] as { journeyId?: unknown } | undefined)?.journeyId;
        if (typeof journeyId !== 'string') return;
        const ids = streams.get(journeyId) ?? new Set<string>();
        streams.set(journeyId, ids.add(id));
      });
      const deadline = Date.now() + 10_000;
      for (const [journeyId, ids] of streams) {
        for (;;) {
          const stored = new Set((await rt.store.readStream(journeyStreamName(journeyId))).map((e) => e.event.id));
          if ([...ids].every((id) => stored.has(id))) break;
          if (Date.now() > deadline) throw new Error(`not stored within 10 s: events of ${journeyId}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      await h.settle();
      return body.ids;
    },
    async settle(count) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const head = await rt.store.headPosition();
        const pending = (rt.bus as { pending?: () => number }).pending?.() ?? 0;
        const stored = count === undefined ? 0 : await rt.store.eventsAfter(0, { atMost: count });
        if ((count === undefined ? pending === 0 : stored >= count) && rt.queries.position >= head) {
          await rt.projections.waitForPosition(head);
          return;
        }
        if (Date.now() > deadline) throw new Error(`not settled: head ${head}, projections ${rt.queries.position}, pending ${pending}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await rt.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** A small, realistic journey: start, handoff, work, customer wait, completion. */
export function journeyEvents(
  journeyId: string,
  options: { start?: number; journeyType?: string; complete?: boolean; promisedBy?: string } = {},
): object[] {
  const t0 = options.start ?? Date.parse('2026-03-02T08:00:00Z');
  const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
  const base = (type: string, department: string, minutes: number, data: object) => ({
    id: randomUUID(),
    type,
    journeyId,
    department,
    occurredAt: at(minutes),
    schemaVersion: 1,
    data,
  });
  const events = [
    base('JourneyStarted', 'Intake', 0, {
      journeyType: options.journeyType ?? 'claim',
      channel: 'web',
      customerRef: `c-${journeyId}`,
      ...(options.promisedBy ? { promisedBy: options.promisedBy } : {}),
    }),
    base('WorkStarted', 'Intake', 5, { activity: 'Register claim' }),
    base('WorkCompleted', 'Intake', 20, { activity: 'Register claim' }),
    base('HandoffRequested', 'Intake', 21, { toDepartment: 'Assessment', reason: 'needs expert' }),
    base('WorkStarted', 'Assessment', 200, { activity: 'Assess damage' }),
    base('WorkCompleted', 'Assessment', 260, { activity: 'Assess damage' }),
  ];
  if (options.complete) events.push(base('JourneyCompleted', 'Assessment', 270, { outcome: 'resolved' }));
  return events;
}
