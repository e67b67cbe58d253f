/**
 * The viewer is a Vite build (`journey-viewer/dist`). `journey demo`, the browser suites and
 * the render bench all need it built from the current sources: a build that is merely present
 * would serve yesterday's viewer after the sources changed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VIEWER_DIR = fileURLToPath(new URL('../../../journey-viewer/', import.meta.url));
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
 * Builds the viewer when stale. Processes at once (parallel test workers, a demo) share one
 * build: a lock directory (mkdir is atomic) lets one build while the others wait, then re-check.
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
      if (r.status !== 0) throw new Error(`building the viewer failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`}):\n${r.stdout}\n${r.stderr}`);
      return;
    } finally {
      rmdirSync(lock);
    }
  }
}
