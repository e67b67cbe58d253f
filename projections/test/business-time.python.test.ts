import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCalendar, MINUTE_MS } from '../src/calendar/index.ts';
import { calendarArb, specOf, startArb } from './calendar-reference.ts';

/**
 * Our business time against the reference business_time.py itself, on random calendars and
 * instants near DST changes: the python's Calendar class computes every case in one process.
 */
const TOOLS = resolve(import.meta.dirname, '../../../shared/tools');
const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : null;
const available = python !== null && existsSync(resolve(TOOLS, 'business_time.py'));

const DRIVER = `
import json, sys
sys.path.insert(0, sys.argv[1])
from business_time import Calendar, US
cases = json.load(sys.stdin)
print(json.dumps([Calendar(c["spec"]).seconds(c["t0"] * 1000, c["t1"] * 1000) for c in cases]))
`;

describe.skipIf(!available)('business time agrees with the reference business_time.py', () => {
  it('on 400 random calendars and intervals', () => {
    const cases = fc
      .sample(fc.record({ cal: calendarArb, start: startArb, len: fc.integer({ min: 0, max: 20 * 24 * 60 }) }), { numRuns: 400, seed: 15 })
      .map(({ cal, start, len }) => ({ spec: specOf(cal, start), t0: start, t1: start + len * MINUTE_MS }));
    const run = spawnSync(python!, ['-c', DRIVER, TOOLS], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 24 });
    expect(run.stderr).toBe('');
    const reference = JSON.parse(run.stdout) as number[];
    const ours = cases.map((c) => compileCalendar(c.spec).ms(c.t0, c.t1) / 1000);
    const mismatches = cases.map((c, i) => ({ c, ours: ours[i], reference: reference[i] })).filter((m) => m.ours !== m.reference);
    expect(mismatches.slice(0, 3)).toEqual([]);
    // The cases must exercise something: some open time, some closed time.
    expect(ours.filter((s, i) => s > 0 && s < (cases[i]!.t1 - cases[i]!.t0) / 1000).length).toBeGreaterThan(100);
  });
});
