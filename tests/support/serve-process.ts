/**
 * Runs the real `journey serve` (services/cli/src/main.ts) as a child process, the way an
 * operator does, so a test can SIGKILL it at any moment and start it again on the same store.
 *
 *   const serve = await startServeProcess({ env: { JOURNEY_STORE: `sqlite:${db}`, NATS_URL } });
 *   serve.url            // http://127.0.0.1:<port>
 *   await serve.kill();  // SIGKILL, waits for the exit
 *   await serve.stop();  // SIGTERM (graceful: projections write their checkpoint)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));

export interface ServeProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote to stdout (pino logs) and stderr (announcements), so far. */
  stdout(): string;
  stderr(): string;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful shutdown `journey serve` does on Ctrl-C. */
  stop(): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startServeProcess(options: { env: Record<string, string>; timeoutMs?: number; keepLog?: number }): Promise<ServeProcess> {
  const keep = options.keepLog ?? 200_000;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-keep)));
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-keep)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`journey serve did not start within ${options.timeoutMs ?? 60_000} ms:\n${err}`));
    }, options.timeoutMs ?? 60_000);
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        child.stderr.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stderr.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`journey serve exited (${code ?? signal}) before listening:\n${err}\n${out}`));
    });
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    url,
    pid: child.pid!,
    child,
    stdout: () => out,
    stderr: () => err,
    kill: () => signal('SIGKILL'),
    async stop() {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await signal('SIGTERM');
      clearTimeout(timer);
    },
    exited,
  };
}
