/**
 * Crash tests run a writer as a child process that prints `acked <label>` each time a piece of
 * work was acknowledged, and SIGKILL it at a chosen moment: `delayMs` after its `killAfter`-th
 * acknowledgement, so the kill lands while it is under way rather than while it starts up.
 */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from './serve-process.ts';

export interface KillAfterAcksOptions {
  /** The writer script, run with `node --import tsx <script> ...args` from the repository root. */
  script: string;
  args: readonly string[];
  /** Which acknowledgement (1 = the first) starts the countdown to the kill. */
  killAfter: number;
  delayMs: number;
}

/** Resolves with the labels the writer acknowledged before it died; rejects when it exits on its own. */
export function runAndKillAfterAcks(options: KillAfterAcksOptions): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', options.script, ...options.args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const acked: string[] = [];
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('acked ')) continue;
      acked.push(line.slice('acked '.length));
      if (acked.length === options.killAfter) setTimeout(() => child.kill('SIGKILL'), options.delayMs);
    }
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`the writer exited on its own: ${stderr}`)),
    ),
  );
}
