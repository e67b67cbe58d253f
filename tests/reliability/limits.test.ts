import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { JourneyEvent } from '@journeys/contracts';
import { journeyEvents } from '../../services/api/test/support/harness.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * Limits: rate limits on the HTTP ingress and the public status routes (429
 * problem+json with Retry-After), and a slow SSE client that cannot make the server buffer
 * without bound.
 */
const intake = (journeyId: string) => ({
  id: randomUUID(),
  type: 'WorkStarted',
  journeyId,
  department: 'Intake',
  occurredAt: '2026-03-02T10:00:00Z',
  schemaVersion: 1,
  data: { activity: 'Check' },
});

async function expectTooMany(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const body = (await res.json()) as { type: string; status: number };
  expect(body).toMatchObject({ type: 'https://journeys.dev/problems/too-many-requests', status: 429 });
}

describe('rate limits', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ rateLimits: { ingress: 5, status: 5, failures: 8 } });
    await fetch(`${s.url}/api/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await s.token('admin')}`, 'content-type': 'application/json' },
      body: JSON.stringify([...journeyEvents('rl-1'), ...journeyEvents('rl-2')]),
    });
    await new Promise((r) => setTimeout(r, 300));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers 429 problem+json with Retry-After to a sender past its ingress budget, and only to that sender', async () => {
    const intakeToken = await s.token('department:intake');
    const post = (token: string) =>
      fetch(`${s.url}/api/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(intake('rl-3')) });
    for (let i = 0; i < 5; i++) expect((await post(intakeToken)).status).toBe(202);
    await expectTooMany(await post(intakeToken));
    // another token of the same department shares the budget; another sender has its own
    await expectTooMany(await post(await s.token('department:intake')));
    expect((await post(await s.token('admin'))).status).toBe(202);
  });

  it("limits a customer's status polling per journey (header or ?token=, stream included), not the staff's", async () => {
    const customer = await s.token('customer', 'rl-1');
    for (let i = 0; i < 3; i++) expect((await fetch(`${s.url}/api/journeys/rl-1/status?token=${customer}`)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await fetch(`${s.url}/api/journeys/rl-1/status`, { headers: { authorization: `Bearer ${customer}` } })).status).toBe(200);
    await expectTooMany(await fetch(`${s.url}/api/journeys/rl-1/status?token=${customer}`));
    await expectTooMany(await fetch(`${s.url}/api/journeys/rl-1/status/stream?token=${await s.token('customer', 'rl-1')}`));
    // another journey's customer is not affected, nor is an analyst
    expect((await fetch(`${s.url}/api/journeys/rl-2/status?token=${await s.token('customer', 'rl-2')}`)).status).toBe(200);
    const analyst = await s.token('analyst');
    for (let i = 0; i < 20; i++) expect((await fetch(`${s.url}/api/journeys/rl-1/status?token=${analyst}`)).status).toBe(200);
  });

  it('limits failed attempts (token guessing) per address', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 12; i++) {
      last = await fetch(`${s.url}/api/journeys/rl-1/status?token=guess-${i}`);
      if (last.status === 429) break;
      expect(last.status).toBe(401);
      await last.body?.cancel();
    }
    await expectTooMany(last!);
  });
});

describe('a slow SSE client', () => {
  let s: TestServer;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    s = await startTestServer({ rateLimits: { ingress: 0, status: 0, failures: 0 } });
    s.rt.server.on('connection', (socket: Socket) => sockets.push(socket));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('never makes the server buffer more than about one status for it, however many changes happen', async () => {
    // Given a journey whose status is large (200 steps done, ~20 KB)
    const journeyId = 'slow-1';
    const t0 = Date.parse('2026-03-02T08:00:00Z');
    const ev = (type: string, minutes: number, data: object, department = 'Intake'): JourneyEvent =>
      ({ id: randomUUID(), type, journeyId, department, occurredAt: new Date(t0 + minutes * 60_000).toISOString(), schemaVersion: 1, data }) as JourneyEvent;
    const steps: JourneyEvent[] = [ev('JourneyStarted', 0, { journeyType: 'claim', channel: 'web', customerRef: 'c-slow' })];
    // Many departments with long names: a customer status of several KB (steps done are
    // labelled by the department's public name), so 1 500 of them outgrow the socket buffers.
    for (let i = 0; i < 200; i++) steps.push(ev('WorkCompleted', 1 + i, { activity: `Step number ${i}` }, `Claims handling desk number ${i} of the regional service centre`));
    await s.rt.store.append(`journey-${journeyId}`, steps);
    await s.rt.projections.waitForPosition(await s.rt.store.headPosition());
    const statusBytes = JSON.stringify(s.rt.queries.customerStatus(journeyId)).length;

    // and a client that opens the stream and never reads
    const client = connect(new URL(s.url).port as unknown as number, '127.0.0.1');
    await once(client, 'connect');
    client.pause();
    client.write(`GET /api/journeys/${journeyId}/status/stream?token=${await s.token('customer', journeyId)} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 300));

    // When the status changes 1 500 times (the customer waits, answers, waits...)
    const changes = 1500;
    let maxBuffered = 0;
    let blockedSeen = false;
    for (let i = 0; i < changes; i++) {
      const e = ev(i % 2 === 0 ? 'CustomerWaitStarted' : 'CustomerWaitEnded', 300 + i, i % 2 === 0 ? { reason: `documents ${i}` } : {});
      const { position } = await s.rt.store.append(`journey-${journeyId}`, [e]);
      await s.rt.projections.waitForPosition(position);
      for (const sock of sockets) {
        if (sock.destroyed) continue;
        maxBuffered = Math.max(maxBuffered, sock.writableLength);
        if (sock.writableNeedDrain) blockedSeen = true;
      }
    }

    // Then the server held at most about one status (plus a heartbeat) in its buffer
    console.log(`[limits] status ${statusBytes} bytes × ${changes} changes = ${((statusBytes * changes) / 1e6).toFixed(1)} MB offered; max buffered for the socket ${maxBuffered} bytes; blocked ${blockedSeen}`);
    expect(blockedSeen).toBe(true); // the client really stalled the socket
    expect(maxBuffered).toBeLessThan(statusBytes * 2 + 4096);
    // and once the client reads again, it gets the newest status
    client.resume();
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString()));
    const newest = s.rt.queries.customerStatus(journeyId)!.version;
    const deadline = Date.now() + 10_000;
    while (!text.includes(`id: ${newest}\n`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(text).toContain(`id: ${newest}\n`);
    client.destroy();
  }, 120_000);
});
