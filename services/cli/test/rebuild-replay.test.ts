import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStreamName, type JourneyEvent } from '@journeys/contracts';
import { getSQLiteEventStore } from '@journeys/event-store';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(root, 'services/cli/src/main.ts');
let dir: string;
let env: NodeJS.ProcessEnv;

function journey(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
}

const e = (n: number, type: JourneyEvent['type'], department: string, occurredAt: string, data: object): JourneyEvent =>
  ({ id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`, type, journeyId: 'claim-1', department, occurredAt, schemaVersion: 1, data }) as JourneyEvent;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'journeys-cli-rebuild-'));
  const path = join(dir, 'journeys.db');
  env = { ...process.env, JOURNEY_STORE: `sqlite:${path}` };
  const store = getSQLiteEventStore({ path });
  await store.append(journeyStreamName('claim-1'), [
    e(1, 'JourneyStarted', 'intake', '2026-03-01T09:00:00+01:00', { journeyType: 'claim', channel: 'web', customerRef: 'c' }),
    e(2, 'HandoffRequested', 'intake', '2026-03-01T09:30:00+01:00', { toDepartment: 'legal' }),
    e(3, 'WorkStarted', 'legal', '2026-03-01T10:30:00+01:00', { activity: 'review' }),
  ]);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('journey rebuild and journey replay', () => {
  it('rebuilds the read store from the first event, beside the event store', () => {
    const r = journey(['rebuild', '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/rebuilt 1 journeys from 3 events \(position \d+\).*1 handoffs over 1 department pairs/);
    expect(r.stdout).toContain(join(dir, 'journeys.read.db'));
    expect(existsSync(join(dir, 'journeys.read.db'))).toBe(true);
    expect(existsSync(join(dir, 'journeys.read.db.next'))).toBe(false);
  });

  it('prints the analytics as they stood at an instant', () => {
    const before = journey(['replay', '--as-of', '2026-03-01T09:15:00+01:00']);
    expect(before.status).toBe(0);
    const early = JSON.parse(before.stdout);
    expect(early).toMatchObject({ asOf: '2026-03-01T08:15:00.000Z', journeys: { total: 1, inProgress: 1 }, handoffs: { handoffs: 0 } });
    const after = JSON.parse(journey(['replay', '--as-of', '2026-03-01T10:00:00Z']).stdout);
    expect(after.handoffs.pairs).toMatchObject([{ from: 'intake', to: 'legal', count: 1, mean: 3600 }]);
    expect(after.departments).toContainEqual(expect.objectContaining({ department: 'legal', wip: 1 }));
  });

  it('refuses a bad time with a clear message', () => {
    for (const bad of ['yesterday', '2026-13-01', '2026-03-01T10:00:00']) {
      const r = journey(['replay', '--as-of', bad]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/^journey: --as-of .* is not a (time|calendar date)/);
    }
  });

  it('refuses a store that does not exist, for rebuild, replay and audit verify alike, and creates nothing', () => {
    const missing = join(dir, 'missing.db');
    for (const args of [['rebuild', '--no-progress'], ['replay', '--as-of', '2026-03-01'], ['audit', 'verify']]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
        cwd: root,
        env: { ...env, JOURNEY_STORE: `sqlite:${missing}` },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(`journey: no event store at ${missing} (JOURNEY_STORE=sqlite:${missing})\n`);
      expect(existsSync(missing)).toBe(false);
    }
  });
});
