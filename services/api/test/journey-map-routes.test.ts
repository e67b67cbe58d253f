import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbstractedProcessMapSchema, DepartmentFocusSchema, OrgUnitsSchema, VariantsSchema, page, JourneySummarySchema, JourneyTimelineSchema } from '@journeys/contracts';
import { journeyEvents, startHarness, type Harness } from './support/harness.ts';
import { loadOrgUnits } from '../../cli/src/org-units.ts';

/** The journey-map routes over real HTTP: abstraction, roll-up, variants, selection, focus, org units. */
let h: Harness;
let analyst: string;
const dir = mkdtempSync(join(tmpdir(), 'journeys-org-'));
const unitsFile = join(dir, 'org-units.json');

beforeAll(async () => {
  writeFileSync(unitsFile, JSON.stringify({ levels: ['unit'], units: { Intake: ['Front office'], Assessment: ['Back office'], Legal: ['Back office'] } }));
  h = await startHarness({ env: { JOURNEY_ORG_UNITS: unitsFile } });
  analyst = await h.token('analyst');
  const t0 = Date.parse('2026-03-02T08:00:00Z');
  const at = (m: number) => new Date(t0 + m * 60_000).toISOString();
  const legal = (type: string, department: string, minutes: number, data: object) => ({
    id: randomUUID(), type, journeyId: 'claim-legal', department, occurredAt: at(minutes), schemaVersion: 1, data,
  });
  await h.publish([
    ...journeyEvents('claim-1', { start: t0, complete: true }),
    ...journeyEvents('claim-2', { start: t0 + 3600_000 }),
    ...journeyEvents('claim-3', { start: t0 + 7200_000 }),
    legal('JourneyStarted', 'Intake', 0, { journeyType: 'claim', channel: 'web', customerRef: 'c-l' }),
    legal('WorkCompleted', 'Intake', 10, { activity: 'Register claim' }),
    legal('HandoffRequested', 'Intake', 11, { toDepartment: 'Assessment' }),
    legal('WorkStarted', 'Assessment', 60, { activity: 'Assess damage' }),
    legal('WorkCompleted', 'Assessment', 89, { activity: 'Assess damage' }),
    legal('HandoffRequested', 'Assessment', 90, { toDepartment: 'Legal' }),
    legal('WorkStarted', 'Legal', 400, { activity: 'Review' }),
  ]);
});

afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; type: string; body: unknown }> {
  const res = await h.http(path, { token: analyst });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() };
}
async function ok<T>(path: string, schema: { parse: (v: unknown) => T }): Promise<T> {
  const r = await get(path);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return schema.parse(r.body);
}

describe('GET /api/analytics/process-map with an abstraction', () => {
  it('keeps its shape without parameters, and counts what a cut hides', async () => {
    const whole = await ok('/api/analytics/process-map', AbstractedProcessMapSchema);
    expect(whole.abstraction).toBeUndefined();
    expect(whole.departments).toHaveLength(3);
    const cut = await ok('/api/analytics/process-map?departments=2&paths=5', AbstractedProcessMapSchema);
    expect(cut.departments.map((d) => d.department).sort()).toEqual(['Assessment', 'Intake']);
    expect(cut.abstraction?.hidden).toMatchObject({ departments: 1, edges: 1, handoffs: 1 });
    expect(cut.abstraction?.hidden.handoffShare).toBeCloseTo(1 / 5, 12);
  });

  it('rolls up by org unit, exactly, and opens a unit into its members', async () => {
    const units = await ok('/api/org-units', OrgUnitsSchema);
    expect(units.levels).toEqual(['unit']);
    const grouped = await ok('/api/analytics/process-map?groupBy=unit', AbstractedProcessMapSchema);
    expect(grouped.departments.map((d) => [d.department, d.members]).sort()).toEqual([
      ['Back office', ['Assessment', 'Legal']],
      ['Front office', ['Intake']],
    ]);
    // Assessment → Legal is inside Back office: not an edge; Intake → Assessment is the 4 handoffs
    expect(grouped.edges.map((e) => [e.from, e.to, e.count])).toEqual([['Front office', 'Back office', 4]]);
    expect(grouped.abstraction?.groupBy).toBe('unit');
    const opened = await ok('/api/analytics/process-map?groupBy=unit&expand=Back%20office', AbstractedProcessMapSchema);
    expect(opened.departments.map((d) => d.department).sort()).toEqual(['Assessment', 'Front office', 'Legal']);
  });

  it('refuses what it cannot do with a problem document', async () => {
    for (const q of ['groupBy=floor', 'expand=Back%20office', 'departments=-1', 'pathsBy=money', 'paths=x']) {
      const r = await get(`/api/analytics/process-map?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.type).toMatch(/^application\/problem\+json/);
    }
    const r = await get('/api/replay?asOf=2026-03-02T09:00:00Z&groupBy=unit');
    expect(r.status).toBe(400);
  });
});

describe('variants, selection and focus', () => {
  it('lists variants, and a variant id selects exactly its journeys on both lists', async () => {
    const v = await ok('/api/analytics/variants', VariantsSchema);
    expect(v.journeys).toBe(4);
    expect(v.variants.map((x) => [x.path, x.count])).toEqual([
      [['Intake', 'Assessment'], 3],
      [['Intake', 'Assessment', 'Legal'], 1],
    ]);
    const rare = v.variants[1]!;
    const list = await ok(`/api/journeys?variant=${rare.id}`, page(JourneySummarySchema));
    expect(list.items.map((j) => j.journeyId)).toEqual(['claim-legal']);
    const timelines = await ok(`/api/timelines?variant=${v.variants[0]!.id}&limit=2`, page(JourneyTimelineSchema));
    expect(timelines.items).toHaveLength(2);
    const rest = await ok(`/api/timelines?variant=${v.variants[0]!.id}&limit=2&cursor=${encodeURIComponent(timelines.nextCursor!)}`, page(JourneyTimelineSchema));
    expect([...timelines.items, ...rest.items].map((t) => t.journeyId).sort()).toEqual(['claim-1', 'claim-2', 'claim-3']);
  });

  it('selects exactly the journeys of one handoff, and refuses mixing a selection with state', async () => {
    const list = await ok('/api/journeys?handoffFrom=Assessment&handoffTo=Legal', page(JourneySummarySchema));
    expect(list.items.map((j) => j.journeyId)).toEqual(['claim-legal']);
    const r = await get('/api/journeys?handoffFrom=Assessment&state=completed');
    expect(r.status).toBe(400);
  });

  it('focuses one department: handoffs in and out, queue now, who waits there', async () => {
    const f = await ok('/api/analytics/focus?department=Assessment&asOf=2026-03-03T00:00:00Z', DepartmentFocusSchema);
    expect(f.incoming.map((e) => [e.from, e.count])).toEqual([['Intake', 4]]);
    expect(f.outgoing.map((e) => [e.to, e.count])).toEqual([['Legal', 1]]);
    expect(f.neighbours.sort()).toEqual(['Intake', 'Legal']);
    const legal = await ok('/api/analytics/focus?department=Legal&asOf=2026-03-02T10:00:00Z', DepartmentFocusSchema);
    expect(legal.waiting.map((w) => [w.journeyId, w.from])).toEqual([['claim-legal', 'Assessment']]);
    expect((await get('/api/analytics/focus?department=Nobody')).status).toBe(404);
  });
});

describe('JOURNEY_ORG_UNITS', () => {
  it('refuses a file that is not an org-unit file, saying why', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ levels: ['group', 'division'], units: { Intake: ['Front office'] } }));
    expect(() => loadOrgUnits(bad)).toThrow(/units\.Intake: needs one unit per level/);
    writeFileSync(bad, '{nope');
    expect(() => loadOrgUnits(bad)).toThrow(/cannot read .* as JSON/);
  });
});
