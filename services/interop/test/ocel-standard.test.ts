import { journeyStreamName, UNASSIGNED_DEPARTMENT, type JourneyEvent } from '@journeys/contracts';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportLog, importLog } from '../src/index.ts';
import { allEvents, LOGS_DIR, tempWorld, type TempWorld } from './support.ts';

/** The official OCEL 2.0 JSON schema, as its publisher ships it (draft-07). */
const SCHEMA = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../../shared/standards/ocel20-schema-json.json', import.meta.url)), 'utf8'),
) as object;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const validate = ajv.compile(SCHEMA);

let world: TempWorld;
beforeEach(() => {
  world = tempWorld();
});
afterEach(async () => {
  await world.cleanup();
});

async function exportOcel(events: JourneyEvent[] | string): Promise<{ path: string; doc: Record<string, unknown> }> {
  const store = world.store();
  if (typeof events === 'string') await importLog(store, events);
  else for (const e of events) await store.append(journeyStreamName(e.journeyId), [e]);
  const path = join(world.dir, `out-${Math.random().toString(36).slice(2)}.jsonocel`);
  const out = createWriteStream(path);
  await exportLog(store, out, { format: 'ocel' });
  out.end();
  await finished(out);
  return { path, doc: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> };
}

const id = (n: number) => `0190a0c4-0000-7000-8000-${String(n).padStart(12, '0')}`;
const EVENTS: JourneyEvent[] = [
  {
    id: id(1),
    type: 'JourneyStarted',
    journeyId: 'claim-1',
    department: 'Intake',
    occurredAt: '2026-03-01T09:00:00+01:00',
    schemaVersion: 1,
    correlationId: 'corr-1',
    data: { journeyType: 'claim', channel: 'web', customerRef: 'c-1', promisedBy: '2026-03-10T08:00:00.000Z' },
  },
  {
    id: id(2),
    type: 'WorkStarted',
    journeyId: 'claim-1',
    department: 'Intake',
    actor: 'ann',
    occurredAt: '2026-03-01T09:05:00.740Z',
    schemaVersion: 1,
    causationId: id(1),
    data: { activity: 'triage', attributes: { priority: 2, urgent: true, score: 1.5, activity: 'shadowed', 'attributes:x': 'odd' } },
  },
  {
    id: id(3),
    type: 'WorkCompleted',
    journeyId: 'claim-1',
    department: 'Intake',
    occurredAt: '2026-03-01T09:35:00Z',
    schemaVersion: 1,
    data: { activity: 'triage', outcome: 'ok' },
  },
  {
    id: id(4),
    type: 'HandoffRequested',
    journeyId: 'claim-1',
    department: 'Intake',
    occurredAt: '2026-03-01T09:36:00Z',
    schemaVersion: 1,
    data: { toDepartment: 'V5 3rd', reason: 'expert' },
  },
  {
    id: id(5),
    type: 'CustomerWaitStarted',
    journeyId: 'claim-1',
    department: 'V5 3rd',
    occurredAt: '2026-03-02T10:00:00Z',
    schemaVersion: 1,
    data: { reason: 'documents' },
  },
  {
    id: id(6),
    type: 'CustomerWaitEnded',
    journeyId: 'claim-1',
    department: 'V5 3rd',
    occurredAt: '2026-03-03T10:00:00Z',
    schemaVersion: 1,
    data: {},
  },
  {
    id: id(7),
    type: 'CustomerNotified',
    journeyId: 'claim-1',
    department: 'V5 3rd',
    occurredAt: '2026-03-03T11:00:00Z',
    schemaVersion: 1,
    data: { channel: 'email', message: 'Bonjour' },
  },
  {
    id: id(8),
    type: 'JourneyCompleted',
    journeyId: 'claim-1',
    department: 'V5 3rd',
    occurredAt: '2026-03-04T11:00:00Z',
    schemaVersion: 1,
    data: { outcome: 'resolved' },
  },
  {
    id: id(9),
    type: 'WorkCompleted',
    journeyId: 'department:x',
    department: UNASSIGNED_DEPARTMENT,
    occurredAt: '2026-03-05T08:00:00Z',
    schemaVersion: 1,
    data: { activity: 'archive' },
  },
];

describe('OCEL 2.0 JSON against the official schema (ajv)', () => {
  it('an export with number, boolean and time attributes validates, each value a string typed by its declaration', async () => {
    const { doc } = await exportOcel(EVENTS);
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const types = doc.eventTypes as Array<{ name: string; attributes: Array<{ name: string; type: string }> }>;
    const started = types.find((t) => t.name === 'WorkStarted')!;
    expect(Object.fromEntries(started.attributes.map((a) => [a.name, a.type]))).toMatchObject({
      priority: 'integer',
      urgent: 'boolean',
      score: 'float',
      activity: 'string',
    });
    const ev = (doc.events as Array<{ id: string; attributes: Array<{ name: string; value: unknown }> }>).find((e) => e.id === id(2))!;
    expect(ev.attributes).toEqual(
      expect.arrayContaining([
        { name: 'priority', value: '2' },
        { name: 'urgent', value: 'true' },
        { name: 'score', value: '1.5' },
      ]),
    );
  });

  it('the schema refuses what the old export wrote: a number as an attribute value', async () => {
    const { doc } = await exportOcel(EVENTS);
    const events = doc.events as Array<{ attributes: Array<{ value: unknown }> }>;
    events[1]!.attributes[0]!.value = 2;
    expect(validate(doc)).toBe(false);
  });

  it('a real log (running-example.xes) exports a valid document', async () => {
    const { doc } = await exportOcel(join(LOGS_DIR, 'running-example.xes'));
    expect(validate(doc)).toBe(true);
  });

  it('round trip: our export imports back to the same events (promisedBy as the same instant, in UTC)', async () => {
    const { path } = await exportOcel(EVENTS);
    const copy = world.store();
    const result = await importLog(copy, path);
    expect(result).toMatchObject({ format: 'ocel', events: EVENTS.length, droppedTotal: 0, journeys: 2 });
    const back = (await allEvents(copy)).sort((a, b) => a.id.localeCompare(b.id));
    expect(back).toEqual(EVENTS);
    // A second import appends nothing.
    expect(await importLog(copy, path)).toMatchObject({ appended: 0, duplicates: EVENTS.length });
  });

  it('a foreign object-centric log: journeys from the chosen object type, other types as work', async () => {
    const foreign = {
      objectTypes: [
        { name: 'order', attributes: [] },
        { name: 'item', attributes: [{ name: 'weight', type: 'float' }] },
      ],
      eventTypes: [
        {
          name: 'place order',
          attributes: [
            { name: 'total', type: 'float' },
            { name: 'express', type: 'boolean' },
          ],
        },
        { name: 'pick item', attributes: [] },
      ],
      objects: [
        { id: 'o1', type: 'order' },
        { id: 'o2', type: 'order' },
        { id: 'i1', type: 'item', attributes: [{ name: 'weight', value: '2.5', time: '1970-01-01T00:00:00Z' }] },
      ],
      events: [
        {
          id: 'e1',
          type: 'place order',
          time: '2024-05-01T10:00:00Z',
          attributes: [
            { name: 'total', value: '99.5' },
            { name: 'express', value: 'true' },
          ],
          relationships: [
            { objectId: 'o1', qualifier: 'order' },
            { objectId: 'i1', qualifier: 'item' },
          ],
        },
        {
          id: 'e2',
          type: 'pick item',
          time: '2024-05-01T11:00:00+02:00',
          attributes: [],
          relationships: [
            { objectId: 'o1', qualifier: '' },
            { objectId: 'o2', qualifier: '' },
          ],
        },
        { id: 'e3', type: 'pick item', time: '2024-05-01T12:00:00Z', attributes: [], relationships: [{ objectId: 'i1', qualifier: '' }] },
      ],
    };
    expect(validate(foreign)).toBe(true);
    const file = world.file('foreign.json', JSON.stringify(foreign));
    const store = world.store();
    const result = await importLog(store, file, { format: 'ocel', ocelObjectType: 'order' });
    expect(result).toMatchObject({ events: 3, journeys: 2, droppedTotal: 1, dropped: { 'no object of the chosen type': 1 } });
    const events = await allEvents(store);
    expect(events.map((e) => [e.journeyId, e.type, (e.data as { activity: string }).activity]).sort()).toEqual([
      ['o1', 'WorkCompleted', 'pick item'],
      ['o1', 'WorkCompleted', 'place order'],
      ['o2', 'WorkCompleted', 'pick item'],
    ]);
    expect(events.find((e) => (e.data as { activity: string }).activity === 'place order')!.data).toEqual({
      activity: 'place order',
      attributes: { total: 99.5, express: true },
    });
    await expect(importLog(world.store(), file, { format: 'ocel', ocelObjectType: 'invoice' })).rejects.toThrow(
      /no object of type "invoice".*"order", "item"/,
    );
  });
});
