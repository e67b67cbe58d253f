import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNatsBus, type NatsBus } from '@journeys/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDigestSchema, AlertPageSchema, ALERTS_STREAM, departmentInboxPrefix, type AlertDigest } from '@journeys/contracts';
import { renderNatsConfig } from '../../../infra/nats/config.ts';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../../../tests/support/nats.ts';
import { signBody } from '../src/index.ts';
import { ev } from './support/events.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { openSse } from './support/sse.ts';

/**
 * Live silo alerts end to end: a real nats-server with the shipped permission model (the
 * runtime connects as the ingest user, departments as themselves), real HTTP, a real webhook
 * receiver that fails once. Three picked-up Intake→Assessment handoffs teach the pair's p90;
 * a fourth, still waiting far past it, opens a critical alert; work starting resolves it.
 */
const MIN = 60_000;
const PASSWORDS = { ingest: 'aingest', intake: 'aintake', assessment: 'aassessment' };
let nats: NatsServerHandle;
let h: Harness;
let assessmentBus: NatsBus;
let intakeBus: NatsBus;
let dir: string;
let alertsDb: string;
let hook: Server;
const hookCalls: { body: string; signature: string | undefined; delivery: string | undefined }[] = [];
const seen: { subject: string; digest: AlertDigest }[] = [];
const refused: Error[] = [];
const SECRET = 'webhook-secret-of-the-test';

function journey(id: string, start: number, delayMin: number | null): object[] {
  const out = [
    ev(id, 'JourneyStarted', 'Intake', start, { journeyType: 'claim', channel: 'web', customerRef: `c-${id}` }),
    ev(id, 'CustomerNotified', 'Intake', start + MIN, { channel: 'email' }),
    ev(id, 'HandoffRequested', 'Intake', start + 2 * MIN, { toDepartment: 'Assessment' }),
  ];
  if (delayMin !== null) out.push(ev(id, 'WorkStarted', 'Assessment', start + (2 + delayMin) * MIN, { activity: 'Assess' }));
  return out;
}

describe.skipIf(!natsServerAvailable())('live silo alerts', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'journeys-alerts-'));
    alertsDb = join(dir, 'elsewhere', 'alerts.db');
    nats = await startNatsServer({ config: renderNatsConfig({ departments: ['Intake', 'Assessment'], passwords: PASSWORDS }) });
    let failNext = true;
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hookCalls.push({
          body,
          signature: req.headers['x-journeys-signature'] as string,
          delivery: req.headers['x-journeys-delivery'] as string,
        });
        res.statusCode = failNext ? 503 : 204;
        failNext = false;
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const rules = join(dir, 'rules.json');
    await writeFile(rules, JSON.stringify({ minSamples: 3, evaluateEveryMs: 60_000, customerSilenceSeconds: 0 }));
    h = await startHarness({
      env: {
        NATS_URL: `nats://ingest:${PASSWORDS.ingest}@127.0.0.1:${nats.port}`,
        JOURNEY_ALERT_RULES: rules,
        JOURNEY_ALERTS_DB: alertsDb,
        JOURNEY_ALERT_WEBHOOKS: `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`,
        JOURNEY_ALERT_WEBHOOK_SECRET: SECRET,
      },
    });
    // Each department as its own NATS user: Assessment follows its alerts; Intake tries to read Assessment's.
    assessmentBus = await connectNatsBus({
      servers: nats.url,
      user: 'assessment',
      pass: PASSWORDS.assessment,
      manageStreams: false,
      inboxPrefix: departmentInboxPrefix('Assessment'),
    });
    const sub = assessmentBus.connection.subscribe('journey.alerts.assessment');
    void (async () => {
      for await (const m of sub) seen.push({ subject: m.subject, digest: AlertDigestSchema.parse(m.json()) });
    })();
    intakeBus = await connectNatsBus({
      servers: nats.url,
      user: 'intake',
      pass: PASSWORDS.intake,
      manageStreams: false,
      inboxPrefix: departmentInboxPrefix('Intake'),
    });
    intakeBus.connection.subscribe('journey.alerts.assessment', {
      callback: (err) => {
        if (err) refused.push(err);
      },
    });
    await Promise.all([assessmentBus.connection.flush(), intakeBus.connection.flush()]);
  });

  afterAll(async () => {
    await assessmentBus?.close();
    await intakeBus?.close();
    await h?.close();
    await nats?.stop();
    await new Promise((r) => hook?.close(r));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("opens a critical alert for a handoff waiting past twice its pair's p90, for the receiving department only", async () => {
    const now = Date.now();
    await h.publish([
      ...journey('a1', now - 300 * MIN, 10),
      ...journey('a2', now - 290 * MIN, 12),
      ...journey('a3', now - 280 * MIN, 14),
      ...journey('waiting', now - 120 * MIN, null),
      ...journey('fresh', now - 5 * MIN, null),
    ]);
    const digests = await h.rt.alerts.evaluate();
    expect(digests.map((d) => [d.department, d.kind, d.opened])).toEqual([['Assessment', 'handoff-overdue', 1]]);
    expect(existsSync(alertsDb)).toBe(true);

    const analyst = await h.token('analyst');
    const page = AlertPageSchema.parse(await (await h.http('/api/alerts?state=open', { token: analyst })).json());
    expect(page.items).toHaveLength(1);
    const a = page.items[0]!;
    expect(a).toMatchObject({
      kind: 'handoff-overdue',
      severity: 'critical',
      journeyId: 'waiting',
      from: 'Intake',
      to: 'Assessment',
      department: 'Assessment',
      samples: 3,
      clock: 'elapsed',
    });
    // p90 of 10, 12, 14 minutes (linear interpolation) is 13.6 minutes.
    expect(a.thresholdSeconds).toBeCloseTo(13.6 * 60, 6);
    expect(a.waitedSeconds).toBeGreaterThan(117 * 60);

    const assessment = await h.token('department:assessment');
    expect(AlertPageSchema.parse(await (await h.http('/api/alerts', { token: assessment })).json()).items).toHaveLength(1);
    const intake = await h.token('department:intake');
    expect(AlertPageSchema.parse(await (await h.http('/api/alerts', { token: intake })).json()).items).toHaveLength(0);
    // Not the auditor's nor the customer's business.
    expect((await h.http('/api/alerts', { token: await h.token('auditor') })).status).toBe(403);
    expect((await h.http('/api/alerts', { token: await h.token('customer', { journeyId: 'waiting' }) })).status).toBe(403);
  });

  it('deduplicates: evaluating again opens nothing new', async () => {
    expect(await h.rt.alerts.evaluate()).toEqual([]);
    const analyst = await h.token('analyst');
    expect(AlertPageSchema.parse(await (await h.http('/api/alerts', { token: analyst })).json()).items).toHaveLength(1);
  });

  it('resolves when work starts; every change went to JetStream journey.alerts.<slug>, the SSE streams of those allowed, and the signed webhook', async () => {
    const analyst = await h.token('analyst');
    const streams = {
      analyst: await openSse(`${h.url}/api/alerts/stream`, { authorization: `Bearer ${analyst}` }),
      assessment: await openSse(`${h.url}/api/alerts/stream?token=${await h.token('department:assessment')}`),
      intake: await openSse(`${h.url}/api/alerts/stream`, { authorization: `Bearer ${await h.token('department:intake')}` }),
    };
    try {
      for (const s of Object.values(streams)) await s.next((f) => f.event === 'hello');
      await h.publish([ev('waiting', 'WorkStarted', 'Assessment', Date.now() - MIN, { activity: 'Assess' })]);
      // Evaluate until the projections show the start (the evaluation may also have run on its own).
      await expect.poll(async () => (await h.rt.alerts.evaluate(), h.rt.alerts.store.open().length), { timeout: 10_000 }).toBe(0);
      const resolved = AlertPageSchema.parse(await (await h.http('/api/alerts?state=resolved', { token: analyst })).json());
      expect(resolved.items[0]).toMatchObject({ journeyId: 'waiting', state: 'resolved' });
      expect(resolved.items[0]!.resolvedAt).not.toBeNull();

      for (const s of [streams.analyst, streams.assessment]) {
        const digest = AlertDigestSchema.parse(JSON.parse((await s.next((f) => f.event === 'alerts', 5000)).data));
        expect(digest).toMatchObject({ department: 'Assessment', kind: 'handoff-overdue', resolved: 1, open: 0 });
      }
      expect(streams.intake.frames.filter((f) => f.event === 'alerts')).toEqual([]);
    } finally {
      for (const s of Object.values(streams)) s.close();
    }

    // Kept on JetStream (the runtime's own connection: a department's user has no JetStream API rights).
    const info = (await (h.rt.bus as NatsBus).connection.request(`$JS.API.STREAM.INFO.${ALERTS_STREAM}`)).json<{
      state: { messages: number };
    }>();
    expect(info.state.messages).toBe(2);
    await expect
      .poll(() => seen.map((s) => [s.subject, s.digest.opened, s.digest.resolved]))
      .toEqual([
        ['journey.alerts.assessment', 1, 0],
        ['journey.alerts.assessment', 0, 1],
      ]);
    // Intake's user may not read Assessment's alerts.
    await expect.poll(() => refused.map((e) => e.name)).toEqual(['PermissionViolationError']);

    // The webhook answered 503 once: the same delivery was retried, signed with the HMAC of its body.
    await expect.poll(() => hookCalls.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const failed = hookCalls[0]!.delivery;
    expect(hookCalls.filter((c) => c.delivery === failed)).toHaveLength(2);
    expect(new Set(hookCalls.map((c) => c.delivery)).size).toBe(2);
    for (const c of hookCalls) {
      expect(c.signature).toBe(signBody(SECRET, c.body));
      AlertDigestSchema.parse(JSON.parse(c.body));
    }
  });

  it('pages with a signed cursor bound to the filter, and refuses a bad one with a problem', async () => {
    const analyst = await h.token('analyst');
    const first = AlertPageSchema.parse(await (await h.http('/api/alerts?limit=1', { token: analyst })).json());
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBeNull(); // one alert in all, so one page
    for (const query of ['cursor=xyz', 'limit=0', 'kind=sideways', 'state=maybe', 'extra=1']) {
      const bad = await h.http(`/api/alerts?${query}`, { token: analyst });
      expect(bad.status, query).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
  });
});
