import { journeyStreamName, type JourneyEvent } from '@journeys/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importLog, type ExportFormat } from '../src/index.ts';
import type { EventStore } from '@journeys/event-store';
import { allEvents, exportFile, LOGS_DIR, tempWorld, type TempWorld } from './support.ts';

let world: TempWorld;
beforeEach(() => {
  world = tempWorld();
});
afterEach(async () => {
  await world.cleanup();
});


/** Events journey by journey, each in stream order: what a round trip must preserve. */
async function journeys(store: EventStore): Promise<JourneyEvent[][]> {
  const ids = [...new Set((await allEvents(store)).map((e) => e.journeyId))].sort();
  return Promise.all(ids.map(async (id) => (await store.readStream(journeyStreamName(id))).map((s) => s.event)));
}

const NATIVE: JourneyEvent[] = [
  { id: '0190a0c4-0000-7000-8000-000000000001', type: 'JourneyStarted', journeyId: 'claim-1', department: 'Intake', occurredAt: '2026-03-01T09:00:00+01:00', schemaVersion: 1, data: { journeyType: 'claim', channel: 'web', customerRef: 'c-1', promisedBy: '2026-03-10T09:00:00+01:00' } },
  { id: '0190a0c4-0000-7000-8000-000000000002', type: 'WorkStarted', journeyId: 'claim-1', department: 'Intake', actor: 'ann', occurredAt: '2026-03-01T09:05:00+01:00', schemaVersion: 1, data: { activity: 'triage' } },
  { id: '0190a0c4-0000-7000-8000-000000000003', type: 'WorkCompleted', journeyId: 'claim-1', department: 'Intake', occurredAt: '2026-03-01T09:35:00+01:00', schemaVersion: 1, data: { activity: 'triage', outcome: 'ok' } },
  { id: '0190a0c4-0000-7000-8000-000000000004', type: 'HandoffRequested', journeyId: 'claim-1', department: 'Intake', occurredAt: '2026-03-01T09:36:00+01:00', schemaVersion: 1, data: { toDepartment: 'V5 3rd', reason: 'needs "expert" <review> & more' } },
  { id: '0190a0c4-0000-7000-8000-000000000005', type: 'CustomerWaitStarted', journeyId: 'claim-1', department: 'V5 3rd', occurredAt: '2026-03-02T10:00:00Z', schemaVersion: 1, data: { reason: 'documents' } },
  { id: '0190a0c4-0000-7000-8000-000000000006', type: 'CustomerWaitEnded', journeyId: 'claim-1', department: 'V5 3rd', occurredAt: '2026-03-03T10:00:00Z', schemaVersion: 1, data: {} },
  { id: '0190a0c4-0000-7000-8000-000000000007', type: 'CustomerNotified', journeyId: 'claim-1', department: 'V5 3rd', occurredAt: '2026-03-03T11:00:00Z', schemaVersion: 1, data: { channel: 'email', message: 'Bonjour, été & <co>' } },
  { id: '0190a0c4-0000-7000-8000-000000000008', type: 'JourneyCompleted', journeyId: 'claim-1', department: 'V5 3rd', occurredAt: '2026-03-04T11:00:00Z', schemaVersion: 1, data: { outcome: 'resolved' } },
].map((e) => JSON.parse(JSON.stringify(e)) as JourneyEvent);

describe('exportLog round trips', () => {
  it.each<ExportFormat>(['xes', 'csv', 'jsonl'])('%s: an imported real log (typed attributes, lifecycle, offsets) re-imports to the same events', async (format) => {
    const source = world.store();
    await importLog(source, join(LOGS_DIR, 'bpic2013_open_problems.xes.gz'));
    const file = await exportFile(world.dir, source, `out.${format}`, { format });
    const copy = world.store();
    const result = await importLog(copy, file);
    expect(result).toMatchObject({ events: 2351, appended: 2351, droppedTotal: 0, journeys: 819 });
    expect(await journeys(copy)).toEqual(await journeys(source));
  });

  it.each<ExportFormat>(['xes', 'csv', 'jsonl'])('%s: every event type of a native journey re-imports to the same events', async (format) => {
    const source = world.store();
    await source.append(journeyStreamName('claim-1'), NATIVE);
    const file = await exportFile(world.dir, source, `native.${format}`, { format });
    const copy = world.store();
    await importLog(copy, file);
    expect(await allEvents(copy)).toEqual(NATIVE);
  });

  it('the XES export of an imported log is read by the XES reader as the same log (group-less events stay unassigned)', async () => {
    const source = world.store();
    const text = readFileSync(join(LOGS_DIR, 'running-example.csv'), 'utf8').replace(',Mike,2010-12-30 15:06:00+01:00', ',,2010-12-30 15:06:00+01:00');
    await importLog(source, world.file('re.csv', text));
    const file = await exportFile(world.dir, source, 'out.xes', { format: 'xes' });
    const copy = world.store();
    await importLog(copy, file);
    expect(await journeys(copy)).toEqual(await journeys(source));
  });

  it('writes each XES trace in time order, even when an event arrived late', async () => {
    // Given a journey whose customer-wait end was stored after its completion (a late arrival)
    const source = world.store();
    const late = [...NATIVE.slice(0, 5), NATIVE[6]!, NATIVE[7]!, NATIVE[5]!];
    await source.append(journeyStreamName('claim-1'), late);
    // When it is exported as XES
    const xes = readFileSync(await exportFile(world.dir, source, 'late.xes', { format: 'xes' }), 'utf8');
    // Then the trace lists its events by time, as process-mining tools read a trace's order
    const times = [...xes.matchAll(/key="time:timestamp" value="([^"]+)"/g)].map((m) => Date.parse(m[1]!));
    expect(times).toHaveLength(NATIVE.length);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('filters by journey and by occurredAt (from inclusive, to exclusive)', async () => {
    const source = world.store();
    await importLog(source, join(LOGS_DIR, 'running-example.xes'));
    const oneJourney = readFileSync(await exportFile(world.dir, source, 'j.jsonl', { format: 'jsonl', journeyId: '3' }), 'utf8').trim().split('\n');
    expect(oneJourney.map((l) => (JSON.parse(l) as JourneyEvent).journeyId)).toEqual(new Array(oneJourney.length).fill('3'));
    expect(oneJourney.length).toBeGreaterThan(0);

    const from = '2011-01-01T00:00:00Z';
    const to = '2011-01-06T00:00:00Z';
    const all = await allEvents(source);
    const expected = all.filter((e) => Date.parse(e.occurredAt) >= Date.parse(from) && Date.parse(e.occurredAt) < Date.parse(to));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    for (const format of ['xes', 'csv'] as const) {
      const copy = world.store();
      const r = await importLog(copy, await exportFile(world.dir, source, `w.${format}`, { format, from, to }));
      expect(r.events).toBe(expected.length);
    }
  });
});
