import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { importLog, LogFormatError } from '@journeys/interop';
import { REPO_ROOT } from '../support/serve-process.ts';

/**
 * Fuzzed event-log files for `journey import`: truncated, bit-flipped, spliced and
 * corrupt-gzip copies of a real XES and a real CSV. The interop engineer's rule
 * (services/interop/README.md): a file that cannot be read is refused with a LogFormatError
 * **before the first append** (all or nothing); bad rows inside a readable file are dropped
 * and counted. So for every input: either a LogFormatError and the store unchanged, or a
 * result whose counts add up and whose events are all in the store — never another error.
 */
const LOGS = fileURLToPath(new URL('../../../shared/data/logs/', import.meta.url));
const XES = join(LOGS, 'running-example.xes');
const CSV = join(LOGS, 'running-example.csv');
const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 150);

/** Mutations of a file's bytes: what a disk, a network or a careless tool does to it. */
function mutated(base: Buffer): fc.Arbitrary<{ how: string; bytes: Buffer }> {
  const at = fc.integer({ min: 0, max: base.length - 1 });
  return fc.oneof(
    at.map((n) => ({ how: `truncated at ${n}`, bytes: base.subarray(0, n) })),
    fc.tuple(at, fc.integer({ min: 0, max: 255 })).map(([n, b]) => {
      const copy = Buffer.from(base);
      copy[n] = b;
      return { how: `byte ${n} set to ${b}`, bytes: copy };
    }),
    fc.tuple(at, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([n, junk]) => ({
      how: `${junk.length} random bytes spliced at ${n}`,
      bytes: Buffer.concat([base.subarray(0, n), Buffer.from(junk), base.subarray(n)]),
    })),
    fc.tuple(at, at).map(([a, b]) => ({
      how: `bytes ${Math.min(a, b)}..${Math.max(a, b)} removed`,
      bytes: Buffer.concat([base.subarray(0, Math.min(a, b)), base.subarray(Math.max(a, b))]),
    })),
    fc.uint8Array({ maxLength: 2048 }).map((junk) => ({ how: 'random bytes', bytes: Buffer.from(junk) })),
    fc.string({ maxLength: 400, unit: 'binary' }).map((s) => ({ how: 'random text', bytes: Buffer.from(s) })),
  );
}

describe.skipIf(!existsSync(XES) || !existsSync(CSV))('fuzz: import of malformed, truncated and corrupt-gzip logs', () => {
  let dir: string;
  let store: EventStore;
  let files = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'journeys-fuzz-import-'));
    store = getSQLiteEventStore({ path: join(dir, 'journeys.db') });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Imports one file; asserts the all-or-nothing rule; says what happened. */
  async function importChecked(name: string, bytes: Buffer): Promise<'refused' | 'imported'> {
    const file = join(dir, `${files++}-${name}`);
    writeFileSync(file, bytes);
    const before = await store.headPosition();
    try {
      const result = await importLog(store, file, { tmpDir: dir });
      expect(result.appended + result.duplicates).toBe(result.events);
      expect(await store.eventsAfter(before)).toBe(result.appended);
      return 'imported';
    } catch (err) {
      if (!(err instanceof LogFormatError)) throw new Error(`${name}: expected a LogFormatError, got ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
      expect((err as Error).message.length).toBeGreaterThan(10);
      expect(await store.headPosition()).toBe(before);
      return 'refused';
    } finally {
      rmSync(file, { force: true });
    }
  }

  const cases: Array<[string, () => Buffer, string]> = [
    ['XES', () => readFileSync(XES), 'log.xes'],
    ['gzipped XES', () => gzipSync(readFileSync(XES)), 'log.xes.gz'],
    ['CSV', () => readFileSync(CSV), 'log.csv'],
    ['gzipped CSV', () => gzipSync(readFileSync(CSV)), 'log.csv.gz'],
  ];

  for (const [label, load, name] of cases) {
    it(`${label}: every mutation is refused whole (LogFormatError, nothing appended) or imported whole`, async () => {
      const base = load();
      const outcomes = { refused: 0, imported: 0 };
      await fc.assert(
        fc.asyncProperty(mutated(base), async ({ bytes }) => {
          outcomes[await importChecked(name, bytes)]++;
        }),
        { numRuns: RUNS },
      );
      console.log(`[fuzz-import] ${label}: ${JSON.stringify(outcomes)} of ${RUNS}`);
      expect(outcomes.refused).toBeGreaterThan(0);
    });
  }

  it('the CLI refuses a corrupt gzip and a ragged CSV with a clear message and a non-zero exit, importing nothing', async () => {
    const gz = gzipSync(readFileSync(XES));
    const corrupt = join(dir, 'corrupt.xes.gz');
    writeFileSync(corrupt, Buffer.concat([gz.subarray(0, 200), Buffer.alloc(64, 0xaa), gz.subarray(264)]));
    const ragged = join(dir, 'ragged.csv');
    writeFileSync(ragged, `${readFileSync(CSV, 'utf8').split('\n').slice(0, 6).join('\n')}\n1,2\n"unclosed,quote\n`);
    const db = join(dir, 'cli.db');
    for (const file of [corrupt, ragged]) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', 'import', file], {
        cwd: REPO_ROOT,
        env: { ...process.env, JOURNEY_STORE: `sqlite:${db}` },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status, run.stderr).not.toBe(0);
      expect(run.status).not.toBeNull();
      expect(run.stderr).toMatch(/^journey: .+/m);
      expect(run.stderr).not.toMatch(/\n\s+at .+\(.*\.ts:\d+/); // a message, not a stack trace
    }
    if (existsSync(db)) {
      const cli = getSQLiteEventStore({ path: db });
      expect(await cli.headPosition()).toBe(0);
      await cli.close();
    }
  }, 120_000);
});
