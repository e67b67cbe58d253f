import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerStatus } from '@journeys/contracts';
import { journeyEvents, startHarness, type Harness } from './support/harness.ts';
import { openSse, type SseClient } from './support/sse.ts';

let h: Harness;
const open: SseClient[] = [];

beforeAll(async () => {
  h = await startHarness({ app: { sseHeartbeatMs: 200 } });
  await h.publish([...journeyEvents('live-1').slice(0, 3), ...journeyEvents('live-2').slice(0, 3), ...journeyEvents('live-3').slice(0, 2)]);
});

afterAll(async () => {
  for (const c of open) c.close();
  await h?.close();
});

async function stream(path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const c = await openSse(h.url + path, headers);
  open.push(c);
  return c;
}

async function post(event: object): Promise<void> {
  const admin = await h.token('admin');
  const res = await h.post('/api/events', event, admin);
  expect(res.status).toBe(202);
}

const event = (journeyId: string, type: string, department: string, data: object, occurredAt = '2026-03-02T12:00:00Z') => ({
  id: randomUUID(),
  type,
  journeyId,
  department,
  occurredAt,
  schemaVersion: 1,
  data,
});

describe('customer status stream', () => {
  it('sends the current status, then a change within 1 s of the event being published', async () => {
    const token = await h.token('customer', { journeyId: 'live-1' });
    const sse = await stream(`/api/journeys/live-1/status/stream?token=${token}`);
    expect(sse.status).toBe(200);
    const first = await sse.next((f) => f.event === 'status');
    const before = JSON.parse(first.data) as CustomerStatus;
    expect(first.id).toBe(String(before.version));
    expect(before.state).toBe('in-progress');

    const sent = Date.now();
    await post(event('live-1', 'CustomerWaitStarted', 'Intake', { reason: 'need the police report' }));
    const change = await sse.next((f) => f.event === 'status' && (JSON.parse(f.data) as CustomerStatus).version > before.version, 1000);
    const latency = change.at - sent;
    console.log(`status change reached the SSE client ${latency} ms after POST /api/events was sent`);
    expect(latency).toBeLessThan(1000);
    expect((JSON.parse(change.data) as CustomerStatus).state).toBe('waiting-on-you');
  });

  it('resumes from Last-Event-ID: nothing is repeated, the next change arrives', async () => {
    const analyst = await h.token('analyst');
    const current = h.rt.queries.customerStatus('live-2')!;
    const sse = await stream(`/api/journeys/live-2/status/stream`, {
      authorization: `Bearer ${analyst}`,
      'last-event-id': String(current.version),
    });
    await post(event('live-2', 'CustomerNotified', 'Intake', { channel: 'email' }));
    await post(event('live-2', 'JourneyCompleted', 'Intake', { outcome: 'resolved' }, '2026-03-02T13:00:00Z'));
    const done = await sse.next((f) => f.event === 'status' && (JSON.parse(f.data) as CustomerStatus).state === 'completed');
    const versions = sse.frames.filter((f) => f.event === 'status').map((f) => Number(f.id));
    expect(versions.every((v) => v > current.version)).toBe(true);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(JSON.parse(done.data)).toMatchObject({ outcome: 'resolved' });
  });

  it('sends the current status at once when Last-Event-ID is behind', async () => {
    const analyst = await h.token('analyst');
    const sse = await stream(`/api/journeys/live-2/status/stream`, { authorization: `Bearer ${analyst}`, 'last-event-id': '0' });
    const first = await sse.next((f) => f.event === 'status');
    expect(Number(first.id)).toBe(h.rt.queries.customerStatus('live-2')!.version);
  });

  it('sends heartbeats while nothing changes', async () => {
    const analyst = await h.token('analyst');
    const sse = await stream(`/api/journeys/live-3/status/stream?token=${analyst}`);
    await sse.next((f) => f.event === 'status');
    await new Promise((r) => setTimeout(r, 500));
    expect(sse.comments.some((c) => c.startsWith('heartbeat'))).toBe(true);
  });

  it('closes the stream when the token expires, saying so', async () => {
    const token = await h.token('customer', { journeyId: 'live-3', ttlSeconds: 1 });
    const sse = await stream(`/api/journeys/live-3/status/stream?token=${token}`);
    expect(sse.status).toBe(200);
    const expired = await sse.next((f) => f.event === 'token-expired', 4000);
    expect(JSON.parse(expired.data)).toHaveProperty('reason');
    await sse.ended;
    // …and reconnecting with it is refused.
    const again = await fetch(`${h.url}/api/journeys/live-3/status/stream?token=${token}`);
    expect(again.status).toBe(401);
  });

  it('limits the open streams per token (429)', async () => {
    const token = await h.token('customer', { journeyId: 'live-3' });
    const streams = await Promise.all(Array.from({ length: 8 }, () => stream(`/api/journeys/live-3/status/stream?token=${token}`)));
    expect(streams.every((s) => s.status === 200)).toBe(true);
    const ninth = await fetch(`${h.url}/api/journeys/live-3/status/stream?token=${token}`);
    expect(ninth.status).toBe(429);
    expect(ninth.headers.get('content-type')).toMatch(/problem\+json/);
    for (const s of streams) s.close();
  });
});

describe('analyst change stream', () => {
  it('says hello, then names each changed journey', async () => {
    const analyst = await h.token('analyst');
    const sse = await stream(`/api/stream?token=${analyst}`);
    await sse.next((f) => f.event === 'hello');
    await post(event('live-9', 'JourneyStarted', 'Intake', { journeyType: 'claim', channel: 'web', customerRef: 'c' }));
    const change = await sse.next((f) => f.event === 'journey' && (JSON.parse(f.data) as { journeyId: string }).journeyId === 'live-9');
    expect(Number(change.id)).toBeGreaterThan(0);
  });
});
