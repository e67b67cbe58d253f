import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyEvents, startHarness, type Harness } from './support/harness.ts';

/**
 * Issue 13 § 6: internal text never reaches the customer, and look-alike department names
 * are refused at the boundary. Real HTTP against a real server.
 */
let plain: Harness;
let mapped: Harness;
let stagesDir: string;

const at = (m: number) => new Date(Date.parse('2026-03-02T08:00:00Z') + m * 60_000).toISOString();
const ev = (journeyId: string, type: string, department: string, minutes: number, data: object) => ({
  id: randomUUID(),
  type,
  journeyId,
  department,
  occurredAt: at(minutes),
  schemaVersion: 1,
  data,
});
const secretive = (journeyId: string, journeyType: string) => [
  ev(journeyId, 'JourneyStarted', 'Intake', 0, { journeyType, channel: 'web', customerRef: 'cust-1' }),
  ev(journeyId, 'WorkStarted', 'Intake', 1, { activity: 'triage' }),
  ev(journeyId, 'WorkCompleted', 'Intake', 2, { activity: 'triage' }),
  ev(journeyId, 'HandoffRequested', 'Intake', 3, { toDepartment: 'Fraud Office' }),
  ev(journeyId, 'WorkStarted', 'Fraud Office', 4, { activity: 'INTERNAL: suspected fraud, do not tell the customer' }),
  ev(journeyId, 'WorkCompleted', 'Fraud Office', 5, { activity: 'W_Beoordelen fraude' }),
  ev(journeyId, 'WorkStarted', 'Fraud Office', 6, { activity: 'INTERNAL: suspected fraud, do not tell the customer' }),
];

beforeAll(async () => {
  plain = await startHarness();
  await plain.publish(secretive('cs-1', 'claim'));
});

afterAll(async () => {
  await plain?.close();
});

/** The mapping is process-wide (set at start-up): this server starts after the other's statuses were checked. */
async function startMapped(): Promise<void> {
  stagesDir = mkdtempSync(join(tmpdir(), 'journeys-stages-'));
  const file = join(stagesDir, 'stages.json');
  writeFileSync(
    file,
    JSON.stringify({
      departments: { 'Fraud Office': 'our review team' },
      journeyTypes: { claim: { stages: ['Received', 'Under review'], activities: { triage: 'Received', 'W_Beoordelen fraude': 'Under review' } } },
    }),
  );
  mapped = await startHarness({ env: { JOURNEY_CUSTOMER_STAGES: file } });
  await mapped.publish(secretive('cs-2', 'claim'));
}

async function statusOf(h: Harness, journeyId: string) {
  const res = await h.http(`/api/journeys/${journeyId}/status`, { token: await h.token('customer', { journeyId }) });
  expect(res.status).toBe(200);
  return { text: await res.clone().text(), body: (await res.json()) as { stage: string; stepsDone: Array<{ label: string }> } };
}

describe('customer status', () => {
  it('never carries raw activity text, even with no mapping configured', async () => {
    const { text, body } = await statusOf(plain, 'cs-1');
    for (const secret of ['INTERNAL', 'fraude', 'suspected', 'triage']) expect(text).not.toContain(secret);
    expect(body.stage).toBe('in progress at Fraud Office');
    expect(body.stepsDone.map((s) => s.label)).toEqual(['Intake', 'Fraud Office']);
  });

  it('the live stream says the same', async () => {
    const token = await plain.token('customer', { journeyId: 'cs-1' });
    const res = await fetch(`${plain.url}/api/journeys/cs-1/status/stream?token=${token}`);
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('event: status')) seen += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(seen).not.toContain('INTERNAL');
  });

  it('speaks the configured stages and public department names', async () => {
    await startMapped();
    const { text, body } = await statusOf(mapped, 'cs-2');
    for (const secret of ['INTERNAL', 'fraude', 'suspected', 'triage', 'Fraud Office']) expect(text).not.toContain(secret);
    expect(body.stepsDone.map((s) => s.label)).toEqual(['Received', 'Under review']);
    expect(body.stage).toBe('in progress at our review team');
    await mapped.close();
    rmSync(stagesDir, { recursive: true, force: true });
    (await import('@journeys/projections')).setCustomerStages((await import('@journeys/contracts')).DEFAULT_CUSTOMER_STAGES);
  });
});

describe('look-alike department names', () => {
  for (const [label, department] of [
    ['a zero-width space', 'Billing\u200b'],
    ['fullwidth letters', 'Ｂｉｌｌｉｎｇ'],
    ['a right-to-left override', 'Bill\u202eing'],
    ['a no-break space', 'Claims\u00a0Intake'],
  ] as const) {
    it(`are refused with a 400 problem: ${label}`, async () => {
      const events = journeyEvents(`la-${label.length}`).slice(0, 1).map((e) => ({ ...e, department }));
      const res = await plain.post('/api/events', events, await plain.token('admin'));
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.text()).toMatch(/NFKC|invisible/);
    });
  }

  it('also as the receiver of a handoff', async () => {
    const [start] = journeyEvents('la-handoff');
    const handoff = { ...ev('la-handoff', 'HandoffRequested', 'Intake', 1, { toDepartment: 'Billing\u200b' }) };
    const res = await plain.post('/api/events', [start, handoff], await plain.token('admin'));
    expect(res.status).toBe(400);
  });
});
