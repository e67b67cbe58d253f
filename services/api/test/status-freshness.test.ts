import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerStatus } from '@journeys/contracts';
import { journeyEvents, startHarness, type Harness } from './support/harness.ts';
import { openSse, type SseClient } from './support/sse.ts';

/**
 * The status route serves a cached, pre-serialised status: these check that the cache never
 * hides a change, whether it comes from an event or from the clock passing the promise.
 */
let h: Harness;
const open: SseClient[] = [];

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  for (const c of open) c.close();
  await h?.close();
});

async function getStatus(journeyId: string, token: string, headers: Record<string, string> = {}) {
  const res = await h.http(`/api/journeys/${journeyId}/status`, { token, headers });
  return { res, status: res.status === 200 ? ((await res.json()) as CustomerStatus) : undefined };
}

describe('status freshness', () => {
  it('shows a new event on the very next request after the projections applied it', async () => {
    // Given a journey whose status was just read (and so cached)
    await h.publish(journeyEvents('fresh-1').slice(0, 3));
    const token = await h.token('customer', { journeyId: 'fresh-1' });
    const before = await getStatus('fresh-1', token);
    expect(before.status).toMatchObject({ state: 'in-progress' });
    const etag = before.res.headers.get('etag')!;
    // the ETag starts with the version (and carries a digest of the body: the estimate moves without events)
    expect(etag).toMatch(new RegExp(`^W/"${before.status!.version}-`));
    expect((await getStatus('fresh-1', token)).res.headers.get('etag')).toBe(etag);

    // When the customer is asked for something
    await h.publish([
      {
        id: randomUUID(),
        type: 'CustomerWaitStarted',
        journeyId: 'fresh-1',
        department: 'Intake',
        occurredAt: '2026-03-02T09:00:00Z',
        schemaVersion: 1,
        data: { reason: 'photos of the damage' },
      },
    ]);

    // Then the next request shows it, with a new ETag, and the old ETag no longer matches
    const after = await getStatus('fresh-1', token, { 'if-none-match': etag });
    expect(after.res.status).toBe(200);
    expect(after.status).toMatchObject({ state: 'waiting-on-you', stage: 'waiting on you' });
    expect(after.status!.version).toBeGreaterThan(before.status!.version);
    expect(after.res.headers.get('etag')).toMatch(new RegExp(`^W/"${after.status!.version}-`));
  });

  it('turns onTrack false once the promise passes, with no event: on GET and on the open stream', async () => {
    // Given an open journey promised 1.5 s from now, read once and streamed
    const now = Date.now();
    await h.publish(journeyEvents('fresh-2', { start: now - 300 * 60_000, promisedBy: new Date(now + 1500).toISOString() }));
    const token = await h.token('customer', { journeyId: 'fresh-2' });
    const before = await getStatus('fresh-2', token);
    expect(before.status).toMatchObject({ state: 'in-progress', onTrack: true });
    const sse = await openSse(`${h.url}/api/journeys/fresh-2/status/stream?token=${token}`);
    open.push(sse);
    const first = JSON.parse((await sse.next((f) => f.event === 'status')).data) as CustomerStatus;
    expect(first.onTrack).toBe(true);

    // When the clock passes the promise, then the stream is told without any event
    const late = await sse.next((f) => f.event === 'status' && (JSON.parse(f.data) as CustomerStatus).onTrack === false, 10_000);
    const pushed = JSON.parse(late.data) as CustomerStatus;
    expect(pushed.version).toBeGreaterThan(first.version);
    expect(late.id).toBe(String(pushed.version));

    // and GET (with the old ETag) answers the new status, not 304
    const after = await getStatus('fresh-2', token, { 'if-none-match': before.res.headers.get('etag')! });
    expect(after.res.status).toBe(200);
    expect(after.status).toMatchObject({ onTrack: false, version: pushed.version });
  });
});
