import { UNASSIGNED_DEPARTMENT } from '@journeys/contracts';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importLog, ImportAppendError, LogFormatError } from '../src/index.ts';
import { allEvents, LOGS_DIR, tempWorld, type TempWorld } from './support.ts';

let world: TempWorld;
beforeEach(() => {
  world = tempWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const xes = (traces: string) => `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <global scope="event"><string key="org:group" value="UNKNOWN"/></global>
  ${traces}
</log>
`;

describe('importLog: the running example', () => {
  it('imports the XES and the CSV copy to the same events, and a re-import appends nothing', async () => {
    const a = world.store();
    const fromXes = await importLog(a, join(LOGS_DIR, 'running-example.xes'));
    expect(fromXes).toMatchObject({ format: 'xes', journeys: 6, events: 42, appended: 42, duplicates: 0, droppedTotal: 0, departmentFrom: 'org:resource' });

    const b = world.store();
    const fromCsv = await importLog(b, join(LOGS_DIR, 'running-example.csv'));
    expect(fromCsv).toMatchObject({ format: 'csv', journeys: 6, events: 42, appended: 42 });
    expect(await allEvents(b)).toEqual(await allEvents(a));

    const again = await importLog(a, join(LOGS_DIR, 'running-example.csv'));
    expect(again).toMatchObject({ events: 42, appended: 0, duplicates: 42 });
    expect(await a.eventsAfter(0)).toBe(42);

    const first = (await allEvents(a))[0]!;
    expect(first).toMatchObject({ journeyId: '3', department: 'Pete', actor: 'Pete', type: 'WorkCompleted', occurredAt: '2010-12-30T14:32:00+01:00' });
    expect(first.data).toMatchObject({ activity: 'register request' });
  });
});

describe('importLog: mapping', () => {
  it('maps lifecycle transitions: start/resume open work, anything else completes it, the raw value is kept when it says more', async () => {
    const file = world.file(
      'life.csv',
      [
        'case:concept:name,concept:name,time:timestamp,org:group,lifecycle:transition',
        'c1,A,2020-01-01T10:00:00Z,G,start',
        'c1,A,2020-01-01T10:05:00Z,G,suspend',
        'c1,A,2020-01-01T10:10:00Z,G,RESUME',
        'c1,A,2020-01-01T10:20:00Z,G,complete',
        'c1,B,2020-01-01T10:30:00Z,G,',
        'c1,C,2020-01-01T10:40:00Z,G,Wait - User',
        'c1,D,2020-01-01T10:50:00Z,G,START',
      ].join('\n'),
    );
    const store = world.store();
    await importLog(store, file);
    const events = await allEvents(store);
    expect(events.map((e) => [e.type, (e.data as { attributes?: Record<string, unknown> }).attributes?.['lifecycle:transition']])).toEqual([
      ['WorkStarted', undefined],
      ['WorkCompleted', 'suspend'],
      ['WorkStarted', 'RESUME'],
      ['WorkCompleted', undefined],
      ['WorkCompleted', undefined],
      ['WorkCompleted', 'Wait - User'],
      ['WorkStarted', 'START'],
    ]);
  });

  it('takes departments from org:group, keeps names as they are, and gives group-less events the placeholder', async () => {
    const file = world.file(
      'groups.csv',
      [
        'case:concept:name,concept:name,time:timestamp,org:group,org:resource',
        'c1,A,2020-01-01T10:00:00+01:00,V5 3rd,ann',
        'c1,B,2020-01-01T11:00:00+01:00,,bob',
        'c1,C,2020-01-01T12:00:00+01:00,EMPTY,',
        'c1,D,2020-01-01T13:00:00+01:00,,',
      ].join('\n'),
    );
    const store = world.store();
    const result = await importLog(store, file);
    expect(result.departmentFrom).toBe('org:group');
    const events = await allEvents(store);
    expect(events.map((e) => [e.department, e.actor])).toEqual([
      ['V5 3rd', 'ann'],
      [UNASSIGNED_DEPARTMENT, 'bob'],
      ['EMPTY', undefined],
      [UNASSIGNED_DEPARTMENT, undefined],
    ]);
  });

  it('takes departments from org:resource when the log has no groups at all', async () => {
    const file = world.file('res.csv', 'case:concept:name,concept:name,time:timestamp,org:resource\nc1,A,2020-01-01T10:00:00Z,ann\nc1,B,2020-01-01T11:00:00Z,\n');
    const store = world.store();
    expect((await importLog(store, file)).departmentFrom).toBe('org:resource');
    expect((await allEvents(store)).map((e) => e.department)).toEqual(['ann', UNASSIGNED_DEPARTMENT]);
  });

  it('follows the column-mapping options and the delimiter', async () => {
    const file = world.file('mapped.csv', 'Case;Task;When;Team\nk1;Check;2020-01-01 10:00:00;Legal\n');
    const store = world.store();
    const result = await importLog(store, file, { delimiter: ';', columns: { case: 'Case', activity: 'Task', timestamp: 'When', group: 'Team' } });
    expect(result.events).toBe(1);
    expect((await allEvents(store))[0]).toMatchObject({ journeyId: 'k1', department: 'Legal', occurredAt: '2020-01-01T10:00:00Z', data: { activity: 'Check' } });
  });

  it('groups interleaved cases into their journeys and keeps file order for equal timestamps', async () => {
    const file = world.file(
      'interleaved.csv',
      [
        'case:concept:name,concept:name,time:timestamp,org:group',
        'a,first,2020-01-01T10:00:00Z,G1',
        'b,x,2020-01-01T09:00:00Z,G1',
        'a,second,2020-01-01T10:00:00Z,G2',
        'b,y,2020-01-01T09:30:00Z,G2',
        'a,third,2020-01-01T10:00:00Z,G3',
      ].join('\n'),
    );
    const store = world.store();
    const result = await importLog(store, file, { batchSize: 2 });
    expect(result).toMatchObject({ journeys: 2, events: 5 });
    const a = await store.readStream('journey-a');
    expect(a.map((s) => (s.event.data as { activity: string }).activity)).toEqual(['first', 'second', 'third']);
    expect(a.map((s) => s.position)).toEqual([...a.map((s) => s.position)].sort((x, y) => x - y));
  });

  it('reads XES attribute types, ignores nested attributes and names an unnamed trace like the reference', async () => {
    const file = world.file(
      'typed.xes',
      xes(`<trace>
        <string key="concept:name" value="t1"/><string key="channel" value="web"/>
        <event>
          <string key="concept:name" value="A"/><date key="time:timestamp" value="2020-01-01T10:00:00.000+01:00"/>
          <string key="org:group" value="G"/><int key="amount" value="42"/><float key="ratio" value="0.5"/><boolean key="vip" value="true"/>
          <string key="note" value="outer"><string key="nested" value="ignored"/></string>
        </event>
      </trace>
      <trace><event><string key="concept:name" value="B"/><date key="time:timestamp" value="2020-01-01T10:00:00Z"/></event></trace>`),
    );
    const store = world.store();
    const result = await importLog(store, file);
    expect(result).toMatchObject({ journeys: 2, events: 2 });
    const [one, two] = await allEvents(store);
    expect(one!.data).toEqual({ activity: 'A', attributes: { amount: 42, ratio: 0.5, vip: true, note: 'outer', 'case:channel': 'web' } });
    expect(two!.journeyId).toBe('__trace_1');
  });
});

describe('importLog: dropped rows', () => {
  const rows = [
    'case:concept:name,concept:name,time:timestamp,org:group',
    'ok,A,2020-01-01T10:00:00Z,G', // line 2
    ',A,2020-01-01T10:00:00Z,G', // 3: missing case id
    'ok,,2020-01-01T10:00:00Z,G', // 4: missing activity
    'ok,A,,G', // 5: missing timestamp
    'ok,A,30/12/2010,G', // 6: invalid timestamp
    `${'x'.repeat(200)},A,2020-01-01T10:00:00Z,G`, // 7: invalid case id
    `ok,${'y'.repeat(300)},2020-01-01T10:00:00Z,G`, // 8: invalid event (activity too long)
    'ok,B,2020-01-01T11:00:00Z,G', // 9
  ].join('\n');

  it('counts every dropped row by reason with its line, and imports the rest', async () => {
    const store = world.store();
    const result = await importLog(store, world.file('dropped.csv', rows));
    expect(result).toMatchObject({ events: 2, appended: 2, droppedTotal: 6 });
    expect(result.dropped).toEqual({
      'missing case id': 1,
      'missing activity': 1,
      'missing timestamp': 1,
      'invalid timestamp': 1,
      'invalid case id': 1,
      'invalid event': 1,
    });
    expect(result.problems.map((p) => [p.line, p.reason])).toEqual([
      [3, 'missing case id'],
      [4, 'missing activity'],
      [5, 'missing timestamp'],
      [6, 'invalid timestamp'],
      [7, 'invalid case id'],
      [8, 'invalid event'],
    ]);
    expect(result.problems[5]!.message).toMatch(/data\.activity/);
  });

  it('with strict, refuses the whole file and appends nothing', async () => {
    const store = world.store();
    await expect(importLog(store, world.file('dropped.csv', rows), { strict: true })).rejects.toThrow(LogFormatError);
    expect(await store.headPosition()).toBe(0);
  });

  it('reports bad JSON Lines with their line numbers', async () => {
    const good = { id: '0190a0c4-8a3b-7c2d-9e4f-5a6b7c8d9e0f', type: 'WorkStarted', journeyId: 'j1', department: 'Intake', occurredAt: '2026-01-01T10:00:00Z', schemaVersion: 1, data: { activity: 'triage' } };
    const file = world.file('events.jsonl', [JSON.stringify(good), '{not json', '', JSON.stringify({ ...good, id: 'nope', data: {} })].join('\n'));
    const store = world.store();
    const result = await importLog(store, file);
    expect(result).toMatchObject({ format: 'jsonl', events: 1, appended: 1, droppedTotal: 2, dropped: { 'invalid JSON': 1, 'invalid event': 1 } });
    expect(result.problems.map((p) => p.line)).toEqual([2, 4]);
    expect(result.problems[1]!.message).toMatch(/id/);
    expect(result.problems[1]!.message).toMatch(/data\.activity/);
    expect((await importLog(store, file)).appended).toBe(0);
  });
});

describe('importLog: a bad file imports nothing', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['truncated XES', () => world.file('t.xes', readFileSync(join(LOGS_DIR, 'running-example.xes'), 'utf8').slice(0, 9000)), /malformed XES/],
    ['XES that is not XML', () => world.file('n.xes', '<log><trace></log>'), /malformed XES/],
    ['XML that is not XES', () => world.file('n2.xes', '<html><body/></html>'), /not an XES log/],
    ['corrupt gzip', () => world.file('c.xes.gz', Buffer.from('this is not gzip at all')), /not a valid gzip file/],
    ['truncated gzip', () => world.file('tr.xes.gz', readFileSync(join(LOGS_DIR, 'receipt.xes.gz')).subarray(0, 100_000)), /not a valid gzip file or is truncated/],
    ['CSV row with extra fields', () => world.file('x.csv', 'case:concept:name,concept:name,time:timestamp\na,A,2020-01-01T10:00:00Z\nb,B,2020-01-01T10:00:00Z,extra\n'), /malformed CSV.*line 3/],
    ['CSV with broken quoting', () => world.file('q.csv', 'case:concept:name,concept:name,time:timestamp\na,"A,2020-01-01T10:00:00Z\n'), /malformed CSV/],
    ['CSV without an activity column', () => world.file('m.csv', 'case:concept:name,task,time:timestamp\na,A,2020-01-01T10:00:00Z\n'), /no activity column "concept:name".*--activity/],
  ];
  it.each(cases)('%s: LogFormatError, store untouched', async (_name, make, message) => {
    const store = world.store();
    const file = make();
    const error = await importLog(store, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogFormatError);
    expect((error as Error).message).toMatch(message);
    expect(await store.headPosition()).toBe(0);
  });

  it('a gzip whose content is fine imports whatever its name says (magic bytes win)', async () => {
    const file = world.file('plain-name.xes', gzipSync(readFileSync(join(LOGS_DIR, 'running-example.xes'))));
    expect((await importLog(world.store(), file)).events).toBe(42);
  });
});

describe('importLog: resumable', () => {
  it('an import cut short is completed by running it again, ending as a clean import would', async () => {
    const full = readFileSync(join(LOGS_DIR, 'sepsis_first30.csv'), 'utf8').split('\n');
    // What had been appended when the first run stopped: the first half of the file's rows.
    const half = world.file('half.csv', full.slice(0, Math.floor(full.length / 2)).join('\n'));
    const store = world.store();
    const first = await importLog(store, half);
    const second = await importLog(store, join(LOGS_DIR, 'sepsis_first30.csv'));
    expect(second.duplicates).toBe(first.events);
    expect(second.appended + second.duplicates).toBe(338);

    const clean = world.store();
    await importLog(clean, join(LOGS_DIR, 'sepsis_first30.csv'));
    const byJourney = async (s: typeof store) => {
      const events = await allEvents(s);
      const ids = [...new Set(events.map((e) => e.journeyId))].sort();
      return Promise.all(ids.map(async (id) => (await s.readStream(`journey-${id}`)).map((x) => x.event)));
    };
    expect(await byJourney(store)).toEqual(await byJourney(clean));
  });

  it('a store failure during the append says how far it got and how to finish', async () => {
    const store = world.store();
    await store.close();
    const error = await importLog(store, join(LOGS_DIR, 'running-example.csv')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportAppendError);
    expect((error as Error).message).toMatch(/after 0 of 42 events.*Run the same import again/);
  });
});
