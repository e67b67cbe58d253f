import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OcelDocumentSchema } from '../src/index.ts';
import { LOGS_DIR, tempWorld, type TempWorld } from './support.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(ROOT, 'services/cli/src/main.ts');

let world: TempWorld;
beforeEach(() => {
  world = tempWorld();
});
afterEach(async () => {
  await world.cleanup();
});

async function journey(
  args: string[],
  storePath: string | undefined,
  cwd = ROOT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [MAIN, ...args], {
      cwd,
      // no store path: JOURNEY_STORE set but empty, which means the default store (as for serve/demo)
      env: { ...process.env, JOURNEY_STORE: storePath === undefined ? '' : `sqlite:${storePath}` },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('journey import / export', () => {
  it('imports a log with a summary, re-imports nothing, and exports XES that imports to the same events', async () => {
    const store = join(world.dir, 'cli.db');
    const first = await journey(['import', join(LOGS_DIR, 'running-example.xes')], store);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/journeys: 6/);
    expect(first.stdout).toMatch(/events: +42 \(appended 42, already stored 0\)/);
    expect(first.stdout).toMatch(/dropped rows: 0/);
    // not a terminal: progress comes as plain lines on stderr
    expect(first.stderr).toMatch(/import: (read|append) /);

    const again = await journey(['import', join(LOGS_DIR, 'running-example.csv'), '--json'], store);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ events: 42, appended: 0, duplicates: 42 });

    const out = join(world.dir, 'out.xes');
    const exported = await journey(['export', '--format', 'xes', '--out', out], store);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/exported 42 events of 6 journeys/);
    expect(readFileSync(out, 'utf8')).toMatch(/<id key="identity:id" value="/);
    const reimport = await journey(['import', out, '--json'], join(world.dir, 'copy.db'));
    expect(JSON.parse(reimport.stdout)).toMatchObject({ events: 42, appended: 42, droppedTotal: 0 });
  }, 60_000);

  it('exports OCEL 2.0 JSON that parses and matches the OCEL shape, and imports it back with --ocel-object-type', async () => {
    const store = join(world.dir, 'ocel.db');
    expect((await journey(['import', join(LOGS_DIR, 'running-example.xes')], store)).code).toBe(0);
    const out = join(world.dir, 'out.ocel.json');
    const exported = await journey(['export', '--format', 'ocel', '--out', out], store);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/exported 42 events of 6 journeys/);
    const doc = OcelDocumentSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(doc.events).toHaveLength(42);
    expect(doc.objects.filter((o) => o.type === 'journey')).toHaveLength(6);

    // And back: journeys from the chosen object type.
    const copy = join(world.dir, 'ocel-copy.db');
    const reimport = await journey(['import', out, '--ocel-object-type', 'journey', '--json'], copy);
    expect(reimport.code).toBe(0);
    expect(JSON.parse(reimport.stdout)).toMatchObject({ format: 'ocel', journeys: 6, events: 42, appended: 42, droppedTotal: 0 });
    const wrongType = await journey(['import', out, '--ocel-object-type', 'order'], copy);
    expect(wrongType.code).not.toBe(0);
    expect(wrongType.stderr).toMatch(/^journey: the OCEL log has no object of type "order" \(its object types: "journey", "department"\)/m);

    const bad = await journey(['export', '--format', 'ocel2'], store);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^journey: --format must be one of jsonl, xes, csv, ocel/m);
  }, 60_000);

  it('an empty JOURNEY_STORE means the default store, for import and export as for serve', async () => {
    // Given JOURNEY_STORE set but empty, in a directory with no store yet
    const missing = await journey(['export', '--format', 'jsonl'], undefined, world.dir);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^journey: no event store at .*data\/journeys\.db/m);
    expect(missing.stderr).not.toMatch(/not understood/);

    // When a log is imported and exported there
    const imported = await journey(['import', join(LOGS_DIR, 'running-example.xes'), '--json'], undefined, world.dir);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ events: 42, appended: 42 });
    const exported = await journey(['export', '--format', 'jsonl'], undefined, world.dir);

    // Then both used ./data/journeys.db
    expect(exported.code).toBe(0);
    expect(exported.stdout.trim().split('\n')).toHaveLength(42);
    expect(existsSync(join(world.dir, 'data/journeys.db'))).toBe(true);

    // And --store still wins over the empty variable
    const other = await journey(['export', '--format', 'jsonl', '--store', `sqlite:${join(world.dir, 'none.db')}`], undefined, world.dir);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/^journey: no event store at .*none\.db/m);
  }, 60_000);

  it('a malformed file is a clear error with a non-zero exit, and nothing is imported', async () => {
    const store = join(world.dir, 'bad.db');
    const truncated = world.file('cut.xes', readFileSync(join(LOGS_DIR, 'running-example.xes'), 'utf8').slice(0, 5000));
    const bad = await journey(['import', truncated], store);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^journey: malformed XES: .*nothing was imported/m);

    const csv = await journey(['import', join(LOGS_DIR, 'running-example.csv'), '--activity', 'Task'], store);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toMatch(/no activity column "Task"/);

    const exported = await journey(['export', '--format', 'jsonl'], store);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('');
  }, 60_000);
});
