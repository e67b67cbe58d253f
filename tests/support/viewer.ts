/**
 * For browser suites and the render bench: makes sure `journey-viewer/dist` is built and
 * current, and starts the real runtime (`journey serve`, in-process) on a temp SQLite
 * store with simulated journeys in it.
 *
 *   await ensureViewerBuilt();
 *   const rt = await startViewerRuntime({ journeysPerDay: 40, days: 7 });
 *   page.goto(`${rt.url}/?token=${rt.analystToken}`); … await rt.close();
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { importLog } from '@journeys/interop';
import { appendJourneys, generateJourneys, largeOrgUnits } from '@journeys/simulator';
import { loadConfig } from '../../services/cli/src/config.ts';
import { startRuntime, type Runtime } from '../../services/cli/src/runtime.ts';
import { VIEWER_DIST } from '../../services/cli/src/viewer-build.ts';

export { ensureViewerBuilt, viewerBuildIsStale, VIEWER_DIR, VIEWER_DIST } from '../../services/cli/src/viewer-build.ts';

export interface ViewerRuntime {
  runtime: Runtime;
  url: string;
  analystToken: string;
  /** A signed token for one journey's customer status. */
  customerToken(journeyId: string): Promise<string>;
  departmentToken(department: string): Promise<string>;
  close(): Promise<void>;
}

export interface SimulatedData {
  seed?: number;
  start?: string;
  days?: number;
  journeysPerDay?: number;
  /** stop arrivals after this many journeys */
  maxJourneys?: number;
  onProgress?: (done: number, total: number) => void;
  /** `large`: the simulator's 650-team organisation, with its org-unit file as JOURNEY_ORG_UNITS. */
  org?: 'standard' | 'large';
  /** Import this event log (XES, CSV, JSON Lines) instead of simulating. */
  log?: string;
  /** A calendar file as JOURNEY_CALENDARS (e.g. DEMO_CALENDARS, the simulated departments' hours). */
  calendars?: string;
}

export async function startViewerRuntime(data: SimulatedData = {}): Promise<ViewerRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'journeys-viewer-'));
  const orgUnitsFile = join(dir, 'org-units.json');
  if (data.org === 'large') writeFileSync(orgUnitsFile, JSON.stringify(largeOrgUnits()));
  const config = loadConfig({
    ...(data.org === 'large' ? { JOURNEY_ORG_UNITS: orgUnitsFile } : {}),
    ...(data.calendars !== undefined ? { JOURNEY_CALENDARS: data.calendars } : {}),
    JOURNEY_STORE: `sqlite:${join(dir, 'journeys.db')}`,
    JOURNEY_AUTH_SECRET: 'viewer-browser-suite-secret-0123456789abcdef',
    LOG_LEVEL: 'warn',
    JOURNEY_VIEWER_DIR: VIEWER_DIST,
  });
  const runtime = await startRuntime({
    config,
    port: 0,
    host: '127.0.0.1',
    logger: pino({ level: 'silent' }),
    announce: () => {},
    readStore: false,
    app: { sseHeartbeatMs: 1000 },
  });
  try {
    if (data.log !== undefined) await importLog(runtime.store, data.log);
    const start = data.start ?? '2026-03-02T00:00:00Z';
    const end = new Date(Date.parse(start) + (data.days ?? 7) * 86_400_000).toISOString();
    if (data.log === undefined) await appendJourneys(
      runtime.store,
      generateJourneys({
        seed: data.seed ?? 11,
        start,
        end,
        journeysPerDay: data.journeysPerDay ?? 40,
        ...(data.maxJourneys !== undefined ? { maxJourneys: data.maxJourneys } : {}),
        ...(data.org !== undefined ? { org: data.org } : {}),
      }),
      data.onProgress ? { onProgress: data.onProgress } : {},
    );
    await runtime.projections.waitUntilCaughtUp();
    // the runner may have been caught up before the appends landed: wait for the last one
    const last = await runtime.store.headPosition();
    while (runtime.queries.position < last) await new Promise((r) => setTimeout(r, 50));
  } catch (err) {
    await runtime.close();
    throw err;
  }
  return {
    runtime,
    url: runtime.url,
    analystToken: await runtime.auth.sign({ role: 'analyst' }),
    customerToken: (journeyId) => runtime.auth.sign({ role: 'customer', journeyId }),
    departmentToken: (slug) => runtime.auth.sign({ role: `department:${slug}` }),
    async close() {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
