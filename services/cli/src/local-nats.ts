import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { DEFAULT_DEPARTMENTS, renderNatsConfig } from '../../../infra/nats/config.ts';
import { ensureCredentials } from '../../../infra/nats/credentials.ts';

export interface LocalNats {
  /** For ingest and the API: the `ingest` service user's credentials in the URL. */
  url: string;
  /** The same without credentials, for messages. */
  displayUrl: string;
  /** user (`ingest`, department slugs) → password, also in `credentialsFile`. */
  passwords: ReadonlyMap<string, string>;
  credentialsFile: string;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** `nats-server` as infra/scripts/nats-dev.ts finds it: NATS_SERVER_BIN, /usr/sbin, then PATH. */
export function natsServerBinary(): string | undefined {
  const bin = process.env.NATS_SERVER_BIN ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');
  return spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0 ? bin : undefined;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const srv = createServer();
    srv.once('error', () => resolvePort(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolvePort(true)));
  });
}

async function anyFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

/**
 * Starts a JetStream nats-server on loopback for `journey demo`, as infra/scripts/nats-dev.ts
 * does: never anonymous, with the permission model of infra/nats/config.ts (a user per
 * department, publishing only under `journey.events.<slug>.>`, and the `ingest` service
 * user), passwords generated once into `<dataDir>/credentials.env` (0600). Port 4222 when
 * free, else any free port. It is stopped by `stop()`, and killed if this process exits
 * without calling it.
 */
export async function startLocalNats(options: { dataDir: string; port?: number; departments?: readonly string[] }): Promise<LocalNats> {
  const bin = natsServerBinary();
  if (!bin) throw new Error('nats-server is not installed');
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const departments = [...(options.departments ?? DEFAULT_DEPARTMENTS)];
  const credentials = ensureCredentials(join(dataDir, 'credentials.env'), departments);
  const configFile = join(dataDir, 'nats-server.conf');
  writeFileSync(configFile, renderNatsConfig({ departments }), { mode: 0o600 });
  const port = options.port ?? ((await portFree(4222)) ? 4222 : await anyFreePort());
  const child: ChildProcess = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dataDir, 'jetstream'), '-c', configFile], {
    env: { ...process.env, ...credentials.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches us, and we stop it after draining.
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited = false;
  const exitPromise = new Promise<void>((r) => child.once('exit', () => {
    exited = true;
    r();
  }));

  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      process.off('exit', killOnExit);
      throw new Error(`nats-server did not start on port ${port}${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const ingest = encodeURIComponent(credentials.passwords.get('ingest')!);
  return {
    url: `nats://ingest:${ingest}@127.0.0.1:${port}`,
    displayUrl: `nats://127.0.0.1:${port}`,
    passwords: credentials.passwords,
    credentialsFile: credentials.file,
    pid: child.pid!,
    dataDir,
    async stop() {
      process.off('exit', killOnExit);
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
