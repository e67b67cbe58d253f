/**
 * Starts a real nats-server with JetStream for a test suite: a random free port on
 * 127.0.0.1, a temp store dir, an optional config file. `restart()` comes back on the same
 * port and store dir (JetStream state survives, as in production).
 *
 *   const nats = await startNatsServer();            // nats.url = nats://127.0.0.1:<port>
 *   const nats = await startNatsServer({ config });  // config text (our infra/nats config or another)
 *   await nats.restart(); await nats.stop();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

/** True when a nats-server binary can be run; suites use `describe.skipIf(!natsServerAvailable())`. */
export function natsServerAvailable(): boolean {
  return spawnSync(NATS_SERVER_BIN, ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface NatsServerOptions {
  /** nats-server config text; `{{STORE_DIR}}` is replaced by the temp store dir. */
  config?: string;
  /** Extra command-line arguments. */
  args?: string[];
}

export interface NatsServerHandle {
  url: string;
  port: number;
  storeDir: string;
  /** The child's pid while running. */
  pid(): number | undefined;
  /** Stops gracefully (SIGTERM), waits for the exit, removes the temp dir unless `keep`. */
  stop(options?: { keep?: boolean }): Promise<void>;
  /** Stops (SIGTERM, or SIGKILL with `kill: true`) and starts again on the same port and store dir. */
  restart(options?: { kill?: boolean; downMs?: number }): Promise<void>;
  /** Stops without removing the store dir (for a later `start()`). */
  halt(options?: { kill?: boolean }): Promise<void>;
  start(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'journeys-nats-'));
  const storeDir = join(dir, 'jetstream');
  const port = await freePort();
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...(options.args ?? [])];
  if (options.config !== undefined) {
    const file = join(dir, 'nats.conf');
    writeFileSync(file, options.config.replaceAll('{{STORE_DIR}}', storeDir));
    args.push('-c', file);
  }
  let child: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    log = '';
    const proc = spawn(NATS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8000)));
    proc.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8000)));
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`nats-server exited with ${code} before it was ready:\n${log}`))),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + 20_000;
    for (;;) {
      // "Server is ready" follows JetStream recovery, so clients can use streams at once
      if (/Server is ready/.test(log) && (await canConnect(port))) return;
      if (proc.exitCode !== null) await exited;
      if (Date.now() > deadline) throw new Error(`nats-server did not become ready on port ${port}:\n${log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const halt = async ({ kill = false } = {}) => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const done = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(kill ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    pid: () => child?.pid,
    start,
    halt,
    async restart({ kill = false, downMs = 0 } = {}) {
      await halt({ kill });
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop({ keep = false } = {}) {
      await halt();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
