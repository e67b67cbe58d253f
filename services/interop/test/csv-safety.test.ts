import { journeyStreamName, type JourneyEvent } from '@journeys/contracts';
import { parse } from 'csv-parse/sync';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportLog, importLog } from '../src/index.ts';
import { neutraliseCell, restoreCell } from '../src/csv-safety.ts';
import { allEvents, tempWorld, type TempWorld } from './support.ts';

let world: TempWorld;
beforeEach(() => {
  world = tempWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const id = (n: number) => `0190a0c4-0000-7000-8000-${String(n).padStart(12, '0')}`;
const HOSTILE = '=HYPERLINK("http://example.invalid","click")';
const EVENTS: JourneyEvent[] = [
  {
    id: id(1),
    type: 'WorkStarted',
    journeyId: '=1+1',
    department: HOSTILE,
    actor: '+ann',
    occurredAt: '2026-03-01T09:00:00.000Z',
    schemaVersion: 1,
    data: { activity: '@SUM(A1:A9)', attributes: { note: '-5', quoted: "'=already", tab: '\tcmd', plain: 'a=b' } },
  },
  {
    id: id(2),
    type: 'WorkCompleted',
    journeyId: '=1+1',
    department: HOSTILE,
    actor: "''+x",
    occurredAt: '2026-03-01T10:00:00.000Z',
    schemaVersion: 1,
    data: { activity: '-negative', outcome: '=cmd|/c calc' },
  },
];

describe('CSV export is safe in spreadsheets (OWASP CSV injection)', () => {
  it('prefixes formula-leading cells with a quote, reversibly', () => {
    for (const v of ['=1', '+1', '-1', '@x', '\tx', '\rx', "'=x", "''@x"]) {
      expect(neutraliseCell(v)).toBe(`'${v}`);
      expect(restoreCell(neutraliseCell(v))).toBe(v);
    }
    for (const v of ['plain', "'quoted", 'a=b', '', '2026-03-01T09:00:00.000Z']) {
      expect(neutraliseCell(v)).toBe(v);
      expect(restoreCell(v)).toBe(v);
    }
  });

  it('no exported cell starts a formula, every field is quoted, and re-import restores the values', async () => {
    const source = world.store();
    await source.append(journeyStreamName('=1+1'), EVENTS);
    const path = join(world.dir, 'out.csv');
    const out = createWriteStream(path);
    await exportLog(source, out, { format: 'csv' });
    out.end();
    await finished(out);

    const text = readFileSync(path, 'utf8');
    const rows: string[][] = parse(text, {});
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    for (const line of text.trim().split('\n')) expect(line.startsWith('"')).toBe(true);
    expect(text).toContain(`"'=HYPERLINK(""http://example.invalid"",""click"")"`);

    const copy = world.store();
    const result = await importLog(copy, path);
    expect(result.droppedTotal).toBe(0);
    expect(await allEvents(copy)).toEqual(EVENTS);
  });
});
