import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { CalendarsViewSchema, HandoffAnalyticsSchema, JourneyTimelineSchema } from '@journeys/contracts';
import { exportLog } from '../../interop/src/index.ts';
import { loadCalendarFile } from '@journeys/projections';
import { startHarness, type Harness } from './support/harness.ts';

/**
 * Business-hours clocks over real HTTP: a handoff across a weekend and a public holiday
 * (King's Day), a department in another time zone with a closure, and the XES export.
 */
let h: Harness;
let plain: Harness;
let dir: string;
let analyst: string;
let calendarsPath: string;

const CALENDARS = {
  default: {
    timeZone: 'Europe/Amsterdam',
    hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['09:00', '17:00']]])),
  },
  departments: {
    Assessment: { publicHolidays: { country: 'NL' } },
    Intake: {
      timeZone: 'Europe/London',
      closures: [{ from: '2026-04-24T00:00:00+01:00', to: '2026-04-24T12:00:00+01:00', reason: 'training' }],
    },
  },
};

const ev = (type: string, department: string, at: string, data: object) => ({
  id: randomUUID(),
  type,
  journeyId: 'claim-bh',
  department,
  occurredAt: at,
  schemaVersion: 1,
  data,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journeys-cal-'));
  calendarsPath = join(dir, 'calendars.json');
  await writeFile(calendarsPath, JSON.stringify(CALENDARS));
  h = await startHarness({ env: { JOURNEY_CALENDARS: calendarsPath } });
  plain = await startHarness();
  analyst = await h.token('analyst');
  const events = [
    ev('JourneyStarted', 'Intake', '2026-04-24T13:00:00+02:00', {
      journeyType: 'claim',
      channel: 'web',
      customerRef: 'c1',
      promisedBy: '2026-05-01T17:00:00+02:00',
    }),
    ev('WorkStarted', 'Intake', '2026-04-24T14:00:00+02:00', { activity: 'Register' }),
    ev('WorkCompleted', 'Intake', '2026-04-24T15:00:00+02:00', { activity: 'Register' }),
    // Friday 16:00 CEST → Tuesday 10:00: Assessment is open Fri 16–17 and Tue 9–10; Monday 27 April is King's Day.
    ev('HandoffRequested', 'Intake', '2026-04-24T16:00:00+02:00', { toDepartment: 'Assessment' }),
    ev('WorkStarted', 'Assessment', '2026-04-28T10:00:00+02:00', { activity: 'Assess' }),
  ];
  await h.publish(events);
  await plain.publish(events);
});

afterAll(async () => {
  await h?.close();
  await plain?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('business-hours clocks', () => {
  it('GET /api/calendars shows each department with the default filled in and its upcoming holidays', async () => {
    const res = await h.http('/api/calendars', { token: analyst });
    expect(res.status).toBe(200);
    const view = CalendarsViewSchema.parse(await res.json());
    expect(view.configured).toBe(true);
    expect(view.departments.Assessment!.timeZone).toBe('Europe/Amsterdam');
    expect(view.departments.Assessment!.openHoursPerWeek).toBe(40);
    expect(view.departments.Intake!.timeZone).toBe('Europe/London');
    expect(view.departments.Assessment!.upcomingHolidays.length).toBeGreaterThan(0);
  });

  it("the timeline carries business figures: the handoff counts the receiver's open hours only", async () => {
    const res = await h.http('/api/journeys/claim-bh', { token: analyst });
    const t = JourneyTimelineSchema.parse(await res.json());
    const handoff = t.handoffs[0]!;
    expect(handoff.delaySeconds).toBe(3 * 86_400 + 18 * 3600);
    expect(handoff.businessDelaySeconds).toBe(2 * 3600);
    // Intake (London, 09–17 local = 10–18 CEST) worked 14:00–15:00 CEST: one open hour.
    expect(t.steps[0]!.businessWorkSeconds).toBe(3600);
    expect(t.totals.business).toBeDefined();
    const b = t.totals.business!;
    expect(b.leadTimeSeconds).toBeCloseTo(b.workSeconds + b.waitSeconds + b.customerWaitSeconds, 6);
    expect(b.leadTimeSeconds).toBeLessThan(t.totals.leadTimeSeconds);
    expect(t.sla.remainingBusinessSeconds).toEqual(expect.any(Number));
  });

  it('GET /api/analytics/handoffs?clock=business gives the pair in business seconds; elapsed stays the default', async () => {
    const business = HandoffAnalyticsSchema.parse(
      await (await h.http('/api/analytics/handoffs?clock=business', { token: analyst })).json(),
    );
    expect(business.clock).toBe('business');
    expect(business.pairs).toEqual([expect.objectContaining({ from: 'Intake', to: 'Assessment', count: 1, p50: 7200, max: 7200 })]);
    const elapsed = HandoffAnalyticsSchema.parse(await (await h.http('/api/analytics/handoffs', { token: analyst })).json());
    expect(elapsed.clock).toBeUndefined();
    expect(elapsed.pairs[0]!.p50).toBe(324_000);
  });

  it('without calendars: no business fields, and clock=business is a 400 problem', async () => {
    const token = await plain.token('analyst');
    const t = JourneyTimelineSchema.parse(await (await plain.http('/api/journeys/claim-bh', { token })).json());
    expect(t.handoffs[0]!.businessDelaySeconds).toBeUndefined();
    expect(t.totals.business).toBeUndefined();
    const res = await plain.http('/api/analytics/handoffs?clock=business', { token });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await res.json()).detail).toMatch(/JOURNEY_CALENDARS/);
    expect((await plain.http('/api/analytics/handoffs?clock=sideways', { token })).status).toBe(400);
    expect(CalendarsViewSchema.parse(await (await plain.http('/api/calendars', { token })).json()).configured).toBe(false);
  });

  it("the XES export carries, per event, the seconds since the previous one, elapsed and in its department's open hours", async () => {
    const calendars = loadCalendarFile(calendarsPath);
    const out = new PassThrough();
    let xml = '';
    out.on('data', (c: Buffer) => (xml += c.toString('utf8')));
    await exportLog(h.rt.store, out, { format: 'xes', businessMs: (d, t0, t1) => calendars.of(d).ms(t0, t1) });
    const attr = (key: string) => [...xml.matchAll(new RegExp(`<float key="${key}" value="([^"]+)"/>`, 'g'))].map((m) => Number(m[1]));
    expect(attr('journeys:elapsedSincePrevious')).toEqual([0, 3600, 3600, 3600, 324_000]);
    // The last one: Assessment picked the case up after two of its open hours (Fri 16–17, Tue 9–10).
    expect(attr('journeys:businessSincePrevious')).toEqual([0, 3600, 3600, 3600, 7200]);
    const plainOut = new PassThrough();
    let plainXml = '';
    plainOut.on('data', (c: Buffer) => (plainXml += c.toString('utf8')));
    await exportLog(plain.rt.store, plainOut, { format: 'xes' });
    expect(plainXml).not.toContain('SincePrevious');
  });

  it('a bad calendar file stops start-up with every problem named', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ default: { timeZone: 'Nowhere/Town', hours: { mon: [['18:00', '09:00']] } } }));
    await expect(startHarness({ env: { JOURNEY_CALENDARS: bad } })).rejects.toThrow(/JOURNEY_CALENDARS[\s\S]*timeZone[\s\S]*hours\.mon/);
  });
});
