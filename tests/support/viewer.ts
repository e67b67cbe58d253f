/**
 * For browser suites and the render bench: makes sure `journey-viewer/dist` is built and
 * current, and starts the real runtime (`journey serve`, in-process) on a temp SQLite
 * store with simulated journeys in it.
 *
 *   await ensureViewerBuilt();
 *   const rt = await startViewerRuntime({ journeysPerDay: 40, days: 7 });
 *   page.goto(`${rt.url}/?token=${rt.analystToken}`); … await rt.close();
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { appendJourneys, generateJourneys } from '@journeys/simulator';
import { loadConfig } from '../../services/cli/src/config.ts';
import { startRuntime, type Runtime } from '../../services/cli/src/runtime.ts';

export const VIEWER_DIR = fileURLToPath(new URL('../../journey-viewer/', import.meta.url));
export const VIEWER_DIST = join(VIEWER_DIR, 'dist');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when dist is missing or older than any source of the viewer. */
export function viewerBuildIsStale(): boolean {
  const outputs = [
    join(VIEWER_DIST, 'index.html'),
    join(VIEWER_DIST, 'widget', 'journey-status.js'),
    join(VIEWER_DIST, 'widget', 'status.html'),
  ];
  if (!outputs.every(existsSync)) return true;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'vite.widget.config.ts', 'package.json'].map((p) =>
    join(VIEWER_DIR, p),
  );
  return Math.max(...sources.map(newestMtime)) > built;
}

/**
 * Builds the viewer when stale. Suites in parallel workers share one build: a lock
 * directory (mkdir is atomic) lets one build while the others wait, then re-check.
 */
export async function ensureViewerBuilt(): Promise<void> {
  const lock = join(VIEWER_DIR, '.build-lock');
  for (;;) {
    if (!viewerBuildIsStale()) return;
    try {
      mkdirSync(lock);
    } catch {
      // someone else is building; a lock older than 5 minutes is a crashed build's
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      if (!viewerBuildIsStale()) return;
      const r = spawnSync('pnpm', ['run', 'build'], { cwd: VIEWER_DIR, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`building the viewer failed:\n${r.stdout}\n${r.stderr}`);
      return;
    } finally {
      rmdirSync(lock);
    }
  }
}

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
}

export async function startViewerRuntime(data: SimulatedData = {}): Promise<ViewerRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'journeys-viewer-'));
  const config = loadConfig({
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
    checkpointDir: false,
    app: { sseHeartbeatMs: 1000 },
  });
  try {
    const start = data.start ?? '2026-03-02T00:00:00Z';
    const end = new Date(Date.parse(start) + (data.days ?? 7) * 86_400_000).toISOString();
    await appendJourneys(
      runtime.store,
      generateJourneys({
        seed: data.seed ?? 11,
        start,
        end,
        journeysPerDay: data.journeysPerDay ?? 40,
        ...(data.maxJourneys !== undefined ? { maxJourneys: data.maxJourneys } : {}),
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
