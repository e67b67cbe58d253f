import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSQLiteEventStore } from '@journeys/event-store';
import { importLog, LogFormatError } from '../src/index.ts';
import { LOGS_DIR, tempWorld, type TempWorld } from './support.ts';

/**
 * Issue 13 § 4: every import attack tried on main, against the real CLI and real files. Each
 * must end as a clear message with a non-zero exit, importing nothing; never a crash, a
 * huge message or a file left behind.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'services/cli/src/main.ts');

let world: TempWorld;
beforeAll(() => {
  world = tempWorld();
});
afterAll(async () => {
  await world.cleanup();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function journey(args: string[], env: Record<string, string> = {}, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, JOURNEY_STORE: `sqlite:${join(world.dir, 'cli.db')}`, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function expectRefused(run: Run, pattern: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).toMatch(/nothing was imported/);
  expect(run.stderr).not.toMatch(/\n\s+at .+\(.*\.ts:\d+/); // a message, not a stack
  expect(run.stderr).not.toMatch(/RangeError|heap/);
  expect(run.stderr.length).toBeLessThan(3000);
}

async function gzipOf(file: string, write: (chunk: (s: string) => boolean) => void): Promise<string> {
  const gz = createGzip();
  const out = createWriteStream(file);
  gz.pipe(out);
  write((s) => gz.write(s));
  gz.end();
  await new Promise<void>((r) => out.on('close', () => r()));
  return file;
}

/** Events stored (a count from the store: positions are not counts, e.g. with sparse positions). */
async function storedEvents(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  const store = getSQLiteEventStore({ path });
  try {
    return await store.eventsAfter(0);
  } finally {
    await store.close();
  }
}

describe('bounded imports', () => {
  it('a small .xes.gz of millions of nested elements is refused by depth, not by the heap', async () => {
    const file = await gzipOf(join(world.dir, 'nested.xes.gz'), (w) => {
      w('<log><trace><event>');
      const chunk = '<a>'.repeat(100_000);
      for (let i = 0; i < 80; i++) w(chunk); // 8M open elements
    });
    expect(statSync(file).size).toBeLessThan(1_000_000);
    expectRefused(await journey(['import', file]), /nest deeper than 64 levels/);
    expect(await storedEvents(join(world.dir, 'cli.db'))).toBe(0);
  }, 120_000);

  it('a trace past --max-trace-events is refused (one trace is held in memory while read)', async () => {
    const events = Array.from(
      { length: 1500 },
      (_, i) => `<event><string key="concept:name" value="A${i % 7}"/><date key="time:timestamp" value="2020-01-01T10:${String(i % 60).padStart(2, '0')}:00Z"/><string key="org:group" value="G"/></event>`,
    ).join('');
    const file = world.file('long-trace.xes', `<log><trace><string key="concept:name" value="c1"/>${events}</trace></log>`);
    expectRefused(await journey(['import', file, '--max-trace-events', '1000']), /trace 0 has more than 1000 events/);
  }, 60_000);

  it('a gzip bomb named .jsonl.gz (one endless line) ends as a message, not a RangeError', async () => {
    const file = await gzipOf(join(world.dir, 'bomb.jsonl.gz'), (w) => {
      const zeros = '0'.repeat(1024 * 1024);
      for (let i = 0; i < 600; i++) w(zeros); // 600 MiB of one line
    });
    expect(statSync(file).size).toBeLessThan(2_000_000);
    expectRefused(await journey(['import', file]), /line 1 is longer than 1048576 characters/);
  }, 120_000);

  it('a log that decompresses past --max-bytes is refused, whatever its extension', async () => {
    const lines = readFileSync(join(LOGS_DIR, 'running-example.csv'));
    const disguised = world.file('running-example.csv.gzip', gzipSync(lines));
    const ok = await importLog(getSQLiteEventStore({ path: join(world.dir, 'gzip-ext.db') }), disguised);
    expect(ok.events).toBe(42);
    expectRefused(await journey(['import', disguised, '--max-bytes', '1K']), /decompresses to more than 1024 bytes/);
  }, 60_000);

  it('a 50 MB CSV of zeros gives a short message', async () => {
    const file = join(world.dir, 'zeros.csv');
    writeFileSync(file, Buffer.alloc(50 * 1024 * 1024, '0'));
    const run = await journey(['import', file]);
    expectRefused(run, /malformed CSV: a record is longer than|no case column/);
  }, 120_000);

  it('an import killed half-way leaves no spool behind', async () => {
    const tmp = join(world.dir, 'tmp');
    mkdirSync(tmp);
    const run = await journey(['import', join(LOGS_DIR, 'bpic2012.xes.gz')], { TMPDIR: tmp, SQLITE_TMPDIR: tmp, JOURNEY_STORE: `sqlite:${join(world.dir, 'killed.db')}` }, 6000);
    expect(run.signal).toBe('SIGKILL');
    const left = readdirSync(tmp).filter((n) => /journey-import|etilqs|spool/.test(n));
    expect(left).toEqual([]);
  }, 60_000);

  it('the importLog API refuses the same, with LogFormatError', async () => {
    const deep = world.file('deep.xes', `<log>${'<x>'.repeat(100)}`);
    await expect(importLog(world.store(), deep)).rejects.toThrow(LogFormatError);
  });
});

describe('bad rows are never dropped silently', () => {
  const header = 'case:concept:name,concept:name,time:timestamp,org:group';
  const csv = [
    header,
    'c1,A,2020-01-01T10:00:00Z,G',
    'c1,B,30/12/2010,G', // invalid timestamp
    'c2,A,0000-01-01T00:00:00Z,G', // year 0: no instant the ingress accepts
    'c2,B,9999-12-31T23:59:59Z,G', // far future
    'c2,C,2020-01-02T10:00:00Z,H',
  ].join('\n');

  it('by default the file is refused, nothing imported, exit 2', async () => {
    const file = world.file('bad-rows.csv', csv);
    const db = join(world.dir, 'strict.db');
    const run = await journey(['import', file], { JOURNEY_STORE: `sqlite:${db}` });
    expectRefused(run, /3 row\(s\) of bad-rows\.csv cannot be imported \(invalid timestamp: 2, implausible time: 1\)/);
    expect(run.stderr).toMatch(/--rejects <file>/);
    expect(await storedEvents(db)).toBe(0);
  }, 60_000);

  it('with --rejects the good rows are imported, the bad ones listed (0600), exit 4 unless --allow-drops', async () => {
    const file = world.file('bad-rows-2.csv', csv);
    const rejects = join(world.dir, 'rejects.jsonl');
    const db = join(world.dir, 'rejects.db');
    const run = await journey(['import', file, '--rejects', rejects], { JOURNEY_STORE: `sqlite:${db}` });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/3 row\(s\) were not imported \(listed in .*rejects\.jsonl\)/);
    const listed = readFileSync(rejects, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string; row: Record<string, string> });
    expect(listed.map((r) => [r.line, r.reason])).toEqual([
      [3, 'invalid timestamp'],
      [4, 'invalid timestamp'],
      [5, 'implausible time'],
    ]);
    expect(listed[1]!.row['time:timestamp']).toBe('0000-01-01T00:00:00Z');
    expect(statSync(rejects).mode & 0o777).toBe(0o600);
    expect(await storedEvents(db)).toBe(2);

    const allowed = await journey(['import', file, '--allow-drops'], { JOURNEY_STORE: `sqlite:${join(world.dir, 'allowed.db')}` });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/dropped rows: 3/);
  }, 60_000);
});
