import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerStatusSchema, JourneyTimelineSchema } from '@journeys/contracts';
import { ev } from './support/events.ts';
import { startHarness, type Harness } from './support/harness.ts';

/**
 * The completion estimate over real HTTP: ten finished claims went Intake → Assessment →
 * Billing; an open one now in Assessment gets an expected date from them, a range, the
 * stages ahead, and a trending-late flag against its promise. The customer sees stage names
 * from the customer-stage mapping only, never department internals or the estimate's basis.
 */
const H = 3_600_000;
let h: Harness;
let dir: string;


function claim(id: string, start: number, hoursInAssessment: number | null, promisedBy?: number): object[] {
  const out = [
    ev(id, 'JourneyStarted', 'Intake', start, {
      journeyType: 'claim',
      channel: 'web',
      customerRef: `c-${id}`,
      ...(promisedBy ? { promisedBy: new Date(promisedBy).toISOString() } : {}),
    }),
    ev(id, 'HandoffRequested', 'Intake', start + H, { toDepartment: 'Assessment', reason: 'internal reason' }),
  ];
  if (hoursInAssessment === null) return out;
  out.push(
    ev(id, 'WorkStarted', 'Assessment', start + 2 * H, { activity: 'Assess' }),
    ev(id, 'HandoffRequested', 'Assessment', start + (1 + hoursInAssessment) * H, { toDepartment: 'Billing' }),
    ev(id, 'WorkStarted', 'Billing', start + (2 + hoursInAssessment) * H, { activity: 'Pay' }),
    ev(id, 'JourneyCompleted', 'Billing', start + (3 + hoursInAssessment) * H, { outcome: 'resolved' }),
  );
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journeys-eta-'));
  const stages = join(dir, 'stages.json');
  // What the customer is told: the public names, not the departments'.
  await writeFile(
    stages,
    JSON.stringify({ departments: { Intake: 'Received', Assessment: 'Review', Billing: 'Payment' }, default: '{department}' }),
  );
  h = await startHarness({ env: { JOURNEY_CUSTOMER_STAGES: stages } });
  const now = Date.now();
  const done = Array.from({ length: 10 }, (_, i) => claim(`done-${i}`, now - 30 * 24 * H + i * H, 10 + i * 2)).flat();
  // Entered Assessment 2 hours ago; promised within the next hour: the estimate must run past it.
  await h.publish([...done, ...claim('open', now - 3 * H, null, now + H)]);
});

afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('completion estimate', () => {
  it('the customer status carries expectedBy, its range, the stages ahead and trending late, in customer stage names, and nothing internal', async () => {
    const token = await h.token('customer', { journeyId: 'open' });
    const res = await h.http('/api/journeys/open/status', { token });
    expect(res.status).toBe(200);
    const raw = await res.text();
    const s = CustomerStatusSchema.parse(JSON.parse(raw));
    const now = Date.now();
    expect(s.stage).toBe('Review');
    expect(s.stagesAhead).toEqual(['Payment']);
    // The finished claims took 12–30 h from entering Assessment; this one has been there 2 h.
    const expected = Date.parse(s.expectedBy!);
    expect(expected).toBeGreaterThan(now + 8 * H);
    expect(expected).toBeLessThan(now + 30 * H);
    // To the hour: a figure that moved with every poll would make each poll a new status.
    expect(expected % H).toBe(0);
    expect(Date.parse(s.expectedRange!.from)).toBeLessThanOrEqual(expected);
    expect(Date.parse(s.expectedRange!.to)).toBeGreaterThanOrEqual(expected);
    expect(s.trendingLate).toBe(true);
    expect(raw).not.toMatch(/internal reason|samples|basis|c-open|Assessment|Billing/);
  });

  it('analysts see the estimate per journey with its basis; completed journeys have none', async () => {
    const token = await h.token('analyst');
    const t = JourneyTimelineSchema.parse(await (await h.http('/api/journeys/open', { token })).json());
    expect(t.estimate).toMatchObject({
      stage: 'Assessment',
      basis: 'stage',
      samples: 10,
      clock: 'elapsed',
      trendingLate: true,
      stagesAhead: ['Billing'],
    });
    const closed = JourneyTimelineSchema.parse(await (await h.http('/api/journeys/done-0', { token })).json());
    expect(closed.estimate).toBeUndefined();
    const status = CustomerStatusSchema.parse(await (await h.http('/api/journeys/done-0/status', { token })).json());
    expect(status.expectedBy).toBeUndefined();
    expect(status.stagesAhead).toBeUndefined();
  });
});
