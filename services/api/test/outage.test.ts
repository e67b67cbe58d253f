import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';

/** Given a running server, when the bus goes away, then ingress and readiness say 503 and why. */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('bus outage', () => {
  it('answers 503 problem+json on POST /api/events, saying nothing was taken, and /readyz explains', async () => {
    await h.rt.ingest.stop();
    await h.rt.bus.close();
    const admin = await h.token('admin');
    const id = randomUUID();
    const res = await h.post(
      '/api/events',
      {
        id,
        type: 'CustomerWaitEnded',
        journeyId: 'j',
        department: 'Intake',
        occurredAt: '2026-03-01T10:00:00Z',
        schemaVersion: 1,
        data: {},
      },
      admin,
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBeTruthy();
    const problem = (await res.json()) as { accepted?: string[]; notAccepted?: { id: string }[]; detail: string };
    // The caller is never left unsure: either nothing was taken, or the split is listed.
    if (problem.notAccepted) {
      expect(problem.accepted).toEqual([]);
      expect(problem.notAccepted.map((n) => n.id)).toEqual([id]);
    } else expect(problem.detail).toMatch(/nothing was published/);

    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { ready: boolean; reasons: string[]; checks: { bus: { ok: boolean } } };
    expect(body.ready).toBe(false);
    expect(body.checks.bus.ok).toBe(false);
    expect(body.reasons.join(' ')).toMatch(/bus is not connected/);
    // Liveness is not readiness: the process itself is fine.
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});
