import { journeyStreamName, UNASSIGNED_DEPARTMENT, type JourneyEvent } from '@journeys/contracts';
import type { EventStore } from '@journeys/event-store';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportLog, importLog, OcelDocumentSchema, type ExportOptions, type OcelDocument } from '../src/index.ts';
import { allEvents, LOGS_DIR, tempWorld, type TempWorld } from './support.ts';

let world: TempWorld;
beforeEach(() => {
  world = tempWorld();
});
afterEach(async () => {
  await world.cleanup();
});

async function exportOcel(store: EventStore, options: Omit<ExportOptions, 'format'> = {}): Promise<{ doc: OcelDocument; events: number; journeys: number; progress: number[] }> {
  const path = join(world.dir, `out-${Math.random().toString(36).slice(2)}.json`);
  const out = createWriteStream(path);
  const progress: number[] = [];
  const result = await exportLog(store, out, { ...options, format: 'ocel', onProgress: (n) => progress.push(n) });
  out.end();
  await finished(out);
  const doc = OcelDocumentSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  return { doc, ...result, progress };
}

const utc = (iso: string) => new Date(Date.parse(iso)).toISOString();

// One journey with every event type, an imported-style work event with attributes, and a second journey.
const EVENTS: JourneyEvent[] = [
  { id: '0190a0c4-0000-7000-8000-000000000001', type: 'JourneyStarted', journeyId: 'claim-1', department: 'Intake', occurredAt: '2026-03-01T09:00:00+01:00', schemaVersion: 1, correlationId: 'corr-1', data: { journeyType: 'claim', channel: 'web', customerRef: 'c-1', promisedBy: '2026-03-10T09:00:00+01:00' } },
  { id: '0190a0c4-0000-7000-8000-000000000002', type: 'WorkStarted', journeyId: 'claim-1', department: 'Intake', actor: 'ann', occurredAt: '2026-03-01T09:05:00+01:00', schemaVersion: 1, data: { activity: 'triage', attributes: { priority: 2, urgent: true, activity: 'shadowed' } } },
  { id: '0190a0c4-0000-7000-8000-000000000003', type: 'WorkCompleted', journeyId: 'claim-1', department: 'Intake', occurredAt: '2026-03-01T09:35:00+01:00', schemaVersion: 1, data: { activity: 'triage', outcome: 'ok', attributes: { score: 1.5 } } },
  { id: '0190a0c4-0000-7000-8000-000000000004', type: 'HandoffRequested', journeyId: 'claim-1', department: 'Intake', occurredAt: '2026-03-01T09:36:00+01:00', schemaVersion: 1, data: { toDepartment: 'V5 3rd', reason: 'needs "expert" <review>' } },
  { id: '0190a0c4-0000-7000-8000-000000000005', type: 'CustomerWaitStarted', journeyId: 'claim-1', department: 'V5 3rd', occurredAt: '2026-03-02T10:00:00Z', schemaVersion: 1, data: { reason: 'documents' } },
  { id: '0190a0c4-0000-7000-8000-000000000006', type: 'CustomerWaitEnded', journeyId: 'claim-1', department: 'V5 3rd', occurredAt: '2026-03-03T10:00:00Z', schemaVersion: 1, data: {} },
  { id: '0190a0c4-0000-7000-8000-000000000007', type: 'CustomerNotified', journeyId: 'claim-1', department: 'V5 3rd', occurredAt: '2026-03-03T11:00:00Z', schemaVersion: 1, data: { channel: 'email', message: 'Bonjour, été' } },
  { id: '0190a0c4-0000-7000-8000-000000000008', type: 'JourneyCompleted', journeyId: 'claim-1', department: 'V5 3rd', occurredAt: '2026-03-04T11:00:00Z', schemaVersion: 1, data: { outcome: 'resolved' } },
  // A journey named like a department, and an event whose log named no department.
  { id: '0190a0c4-0000-7000-8000-000000000009', type: 'WorkCompleted', journeyId: 'Intake', department: UNASSIGNED_DEPARTMENT, occurredAt: '2026-03-05T08:00:00Z', schemaVersion: 1, data: { activity: 'archive' } },
];

async function givenStore(): Promise<EventStore> {
  const store = world.store();
  await store.append(journeyStreamName('claim-1'), EVENTS.slice(0, 8));
  await store.append(journeyStreamName('Intake'), EVENTS.slice(8));
  return store;
}

describe('exportLog --format ocel (OCEL 2.0 JSON)', () => {
  it('given every event type, each event relates to its journey and department, with its payload as attributes', async () => {
    const store = await givenStore();
    const { doc, events, journeys } = await exportOcel(store);
    expect({ events, journeys }).toEqual({ events: 9, journeys: 2 });
    expect(doc.events.map((e) => e.id)).toEqual(EVENTS.map((e) => e.id));

    for (const [i, stored] of EVENTS.entries()) {
      const event = doc.events[i]!;
      expect(event.type).toBe(stored.type);
      expect(event.time).toBe(utc(stored.occurredAt));
      const related = event.relationships.map((r) => `${r.qualifier} ${r.objectId}`);
      const expected = [`case journey:${stored.journeyId}`];
      if (stored.department !== UNASSIGNED_DEPARTMENT) expected.push(`performed-by department:${stored.department}`);
      if (stored.type === 'HandoffRequested') expected.push(`handed-to department:${stored.data.toDepartment}`);
      expect(related).toEqual(expected);
    }
    const attrs = (i: number) => Object.fromEntries(doc.events[i]!.attributes.map((a) => [a.name, a.value]));
    // Values are text, as the official schema wants; the instant as recorded rides along when UTC says less.
    expect(attrs(0)).toEqual({ journeyType: 'claim', channel: 'web', customerRef: 'c-1', promisedBy: '2026-03-10T08:00:00.000Z', correlationId: 'corr-1', occurredAt: '2026-03-01T09:00:00+01:00' });
    expect(attrs(1)).toEqual({ activity: 'triage', actor: 'ann', priority: '2', urgent: 'true', 'attributes:activity': 'shadowed', occurredAt: '2026-03-01T09:05:00+01:00' });
    expect(attrs(2)).toEqual({ activity: 'triage', outcome: 'ok', score: '1.5', occurredAt: '2026-03-01T09:35:00+01:00' });
    expect(attrs(3)).toEqual({ toDepartment: 'V5 3rd', reason: 'needs "expert" <review>', occurredAt: '2026-03-01T09:36:00+01:00' });
    expect(attrs(4)).toEqual({ reason: 'documents' });
    expect(attrs(5)).toEqual({});
    expect(attrs(6)).toEqual({ channel: 'email', message: 'Bonjour, été' });
    expect(attrs(7)).toEqual({ outcome: 'resolved' });

    // Objects: one per journey and per department named (including a handoff's target), ids namespaced.
    expect(doc.objects.map((o) => o.id).sort()).toEqual(['department:Intake', 'department:V5 3rd', 'journey:Intake', 'journey:claim-1']);
    expect(doc.objects.find((o) => o.id === 'journey:claim-1')).toEqual({
      id: 'journey:claim-1',
      type: 'journey',
      attributes: [
        { name: 'journeyType', time: '2026-03-01T08:00:00.000Z', value: 'claim' },
        { name: 'channel', time: '2026-03-01T08:00:00.000Z', value: 'web' },
        { name: 'promisedBy', time: '2026-03-01T08:00:00.000Z', value: '2026-03-10T08:00:00.000Z' },
      ],
      relationships: [],
    });
    expect(doc.objects.find((o) => o.id === 'journey:Intake')?.attributes).toEqual([]);
    expect(doc.objectTypes.map((t) => t.name)).toEqual(['journey', 'department']);

    const types = Object.fromEntries(doc.eventTypes.map((t) => [t.name, Object.fromEntries(t.attributes.map((a) => [a.name, a.type]))]));
    expect(Object.keys(types).sort()).toEqual([...new Set(EVENTS.map((e) => e.type))].sort());
    expect(types.JourneyStarted).toMatchObject({ promisedBy: 'time', customerRef: 'string' });
    expect(types.WorkStarted).toEqual({ activity: 'string', actor: 'string', priority: 'integer', urgent: 'boolean', 'attributes:activity': 'string', occurredAt: 'string' });
    expect(types.WorkCompleted).toEqual({ activity: 'string', outcome: 'string', score: 'float', occurredAt: 'string' });
  });

  it('the document check refuses a relationship to an undeclared object', async () => {
    const { doc } = await exportOcel(await givenStore());
    const broken = structuredClone(doc);
    broken.events[0]!.relationships.push({ objectId: 'journey:nope', qualifier: 'case' });
    expect(OcelDocumentSchema.safeParse(broken).success).toBe(false);
  });

  it('filters by journey and by occurredAt, as the other formats', async () => {
    const store = await givenStore();
    const one = await exportOcel(store, { journeyId: 'Intake' });
    expect(one.doc.events.map((e) => e.id)).toEqual([EVENTS[8]!.id]);
    expect(one.doc.objects.map((o) => o.id)).toEqual(['journey:Intake']);

    const window = await exportOcel(store, { from: '2026-03-02T10:00:00Z', to: '2026-03-04T11:00:00Z' });
    expect(window.doc.events.map((e) => e.id)).toEqual(EVENTS.slice(4, 7).map((e) => e.id));
    // JourneyStarted is outside the window: the journey object is there, without its attributes.
    expect(window.doc.objects.map((o) => o.id).sort()).toEqual(['department:V5 3rd', 'journey:claim-1']);
    expect(window.doc.objects.find((o) => o.id === 'journey:claim-1')?.attributes).toEqual([]);
  });

  it('an empty store exports an empty, valid document', async () => {
    const { doc, events } = await exportOcel(world.store());
    expect(events).toBe(0);
    expect(doc.events).toEqual([]);
    expect(doc.objects).toEqual([]);
  });

  it('a real log (running-example.xes) exports every event and one journey object per trace', async () => {
    const store = world.store();
    const imported = await importLog(store, join(LOGS_DIR, 'running-example.xes'));
    const { doc, events, journeys, progress } = await exportOcel(store);
    expect({ events, journeys }).toEqual({ events: 42, journeys: 6 });
    expect(progress.at(-1)).toBe(42);
    expect(doc.events).toHaveLength(imported.events);
    expect(doc.objects.filter((o) => o.type === 'journey')).toHaveLength(imported.journeys);
    const stored = await allEvents(store);
    const departments = new Set(stored.map((e) => e.department).filter((d) => d !== UNASSIGNED_DEPARTMENT));
    expect(doc.objects.filter((o) => o.type === 'department').map((o) => o.id).sort()).toEqual([...departments].map((d) => `department:${d}`).sort());
    const perJourney = new Map<string, number>();
    for (const e of doc.events) {
      const journey = e.relationships.find((r) => r.qualifier === 'case')!.objectId;
      perJourney.set(journey, (perJourney.get(journey) ?? 0) + 1);
    }
    for (const id of new Set(stored.map((e) => e.journeyId))) expect(perJourney.get(`journey:${id}`)).toBe(stored.filter((e) => e.journeyId === id).length);
    expect(doc.events.every((e) => e.attributes.some((a) => a.name === 'activity'))).toBe(true);
  });
});
