import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The newcomer's path: a fresh copy of the repository, the README's first command, the API
 * answering with simulated journeys, Ctrl-C, a clean exit.
 *
 * The copy holds exactly what a clone would plus uncommitted work: the tracked and the
 * untracked-but-not-ignored files (`git ls-files -co --exclude-standard`), so no
 * node_modules, no viewer build, no data. The README command installs the workspace itself
 * (infra/scripts/bootstrap.mjs); it first tries `pnpm install --offline`, which the pnpm
 * store on this machine (filled by CI's own install) satisfies in seconds, so the test needs
 * no network. `../shared` is linked beside the copy for suites that read it.
 */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const canRun = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0 && existsSync(join(REPO, '.git'));

/** The README's first fenced code block, one command per line, comments dropped. */
export function quickStartCommands(readme: string): string[] {
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(readme);
  if (!block) return [];
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const srv = createServer();
    srv.once('error', () => r(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => r(true)));
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(!canRun)('a newcomer follows the README', () => {
  let dir: string;
  let clone: string;
  let child: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'journeys-newcomer-'));
    clone = join(dir, 'main');
    mkdirSync(clone);
    const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
    for (const f of files) {
      const from = join(REPO, f);
      if (existsSync(from)) cpSync(from, join(clone, f), { recursive: false, force: true });
    }
    const shared = resolve(REPO, '..', 'shared');
    if (existsSync(shared)) symlinkSync(shared, join(dir, 'shared'));
  });

  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // The demo's nats-server runs in its own process group (so Ctrl-C reaches the demo
    // first); if the demo did not stop it, this test does, by the pid the demo printed.
    const nats = /started a local nats-server at \S+ \(pid (\d+)/.exec(stderr);
    if (nats) {
      try {
        process.kill(Number(nats[1]), 'SIGKILL');
      } catch {
        // stopped by the demo, as it should be
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has a Quick start of exactly two commands: the demo, then the tests', () => {
    const readme = readFileSync(join(clone, 'README.md'), 'utf8');
    const commands = quickStartCommands(readme);
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/demo/);
    expect(commands[1]).toMatch(/test/);
  });

  it('runs the demo, answers with simulated journeys, and stops cleanly on Ctrl-C', async () => {
    const [demo] = quickStartCommands(readFileSync(join(clone, 'README.md'), 'utf8'));
    // Ctrl-C in a terminal signals the whole foreground process group: so does this test.
    child = spawn('sh', ['-c', `exec ${demo}`], {
      cwd: clone,
      detached: true,
      env: { ...process.env, PORT: '0', JOURNEY_STORE: '', NATS_URL: '', JOURNEY_AUTH_SECRET: '', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    exit = new Promise((r) => child!.once('exit', (code, signal) => r({ code, signal })));
    let exited = false;
    void exit.then(() => (exited = true));

    // Install, viewer build and 30 days of history: the printed viewer URL marks the end.
    const viewer = await until('the viewer URL', 360_000, () => {
      if (exited) throw new Error(`the demo exited early:\n${stderr.slice(-3000)}`);
      const m = /Journey map \(viewer\):\s+(http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(stdout);
      return m ? { base: m[1]!, token: m[2]! } : undefined;
    });
    const auth = { authorization: `Bearer ${viewer.token}` };

    // Within two minutes the API answers with simulated journeys.
    const page = await until('simulated journeys from the API', 120_000, async () => {
      const res = await fetch(`${viewer.base}/api/journeys?limit=5`, { headers: auth });
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as { items: { journeyId?: string; id?: string }[] };
      return body.items.length > 0 ? body : undefined;
    });
    expect(page.items.length).toBeGreaterThan(0);

    const handoffs = await fetch(`${viewer.base}/api/analytics/handoffs`, { headers: auth });
    expect(handoffs.status).toBe(200);
    expect(JSON.stringify(await handoffs.json())).toMatch(/Support L1|Claims Assessment/);

    // The widget example works as printed: its customer token opens that journey's status.
    const widget = /<journey-status journey="([^"]+)" token="([^"]+)">/.exec(stdout);
    expect(widget).not.toBeNull();
    const statusUrl = `${viewer.base}/api/journeys/${encodeURIComponent(widget![1]!)}/status`;
    const status = await until('the widget journey in the projections', 120_000, async () => {
      const res = await fetch(statusUrl, { headers: { authorization: `Bearer ${widget![2]}` } });
      return res.status === 404 ? undefined : res;
    });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { state: string }).state).toMatch(/in-progress|waiting-on-you|completed/);
    expect((await fetch(`${viewer.base}/api/openapi.json`)).status).toBe(200);
    // The viewer itself, not the "not built yet" page the API answers 200 with otherwise.
    const home = await fetch(`${viewer.base}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).not.toMatch(/viewer is not built yet|viewer not built/);
    expect((await fetch(`${viewer.base}/widget/journey-status.js`)).status).toBe(200);

    // Ctrl-C: exit 0, the port released.
    process.kill(-child.pid!, 'SIGINT');
    const ended = await Promise.race([exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    expect(ended, stderr.slice(-2000)).toEqual({ code: 0, signal: null });
    const port = Number(new URL(viewer.base).port);
    expect(await portIsFree(port)).toBe(true);
    expect(stderr).toMatch(/journey demo: stopped/);
    // A nats-server the demo started is stopped with it.
    const nats = /started a local nats-server at nats:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
    if (nats) expect(await portIsFree(Number(nats[1]))).toBe(true);
  }, 600_000);
});
