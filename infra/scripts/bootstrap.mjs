#!/usr/bin/env node
// The README's two commands (`npm run demo`, `npm test`) land here so that they work on a
// fresh clone with only Node 20 and npm: this installs pnpm and the workspace when they
// are missing, the apt packages the test suite needs when run as root, then runs the work.
// Plain JavaScript on purpose: nothing is installed yet when it starts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [mode = 'test', ...rest] = process.argv.slice(2);

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  return r.status ?? 1;
}
function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

let pnpm = ['pnpm'];
if (!has('pnpm')) {
  console.log('[bootstrap] pnpm not found: installing pnpm 10 with npm');
  if (run('npm', ['install', '--global', 'pnpm@10']) !== 0 || !has('pnpm')) pnpm = ['npx', '--yes', 'pnpm@10'];
}
const pn = (args, options) => run(pnpm[0], [...pnpm.slice(1), ...args], options);

const marker = join(root, 'node_modules', '.modules.yaml');
const lock = join(root, 'pnpm-lock.yaml');
if (!existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs) {
  // From pnpm's store alone first (seconds, no network: a second clone on the same machine,
  // CI that already installed); from the registry only when the store lacks something.
  console.log('[bootstrap] installing the workspace (pnpm install --frozen-lockfile)');
  const quiet = { stdio: ['ignore', 'ignore', 'ignore'] };
  if (pn(['install', '--frozen-lockfile', '--offline'], quiet) !== 0 && pn(['install', '--frozen-lockfile']) !== 0) {
    console.error('[bootstrap] pnpm install failed');
    process.exit(1);
  }
}

if (mode === 'demo') {
  // Ctrl-C reaches the whole process group: the demo shuts down cleanly and exits 0, so
  // this wrapper must not die of the signal first; it exits with the demo's status.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  // Node with tsx's loader, not `pnpm journey` (pnpm dies of the SIGINT instead of waiting)
  // nor the tsx CLI: that one relays Ctrl-C to its child and SIGKILLs it (exit 130) when the
  // child has not answered within 60 ms, which a demo busy applying a batch does not.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', 'demo', ...rest], { stdio: 'inherit', cwd: root });
  process.exit(r.status ?? 1);
}

if (mode === 'test') {
  const missing = [];
  if (!has('nats-server')) missing.push('nats-server');
  if (!has('chromium')) missing.push('chromium');
  if (!has('xmllint')) missing.push('libxml2-utils');
  if (!has('prometheus') || !has('promtool')) missing.push('prometheus');
  if (missing.length > 0) {
    const root_ = typeof process.getuid === 'function' && process.getuid() === 0;
    if (root_ && has('apt-get')) {
      console.log(`[bootstrap] installing ${missing.join(', ')} with apt-get`);
      run('apt-get', ['update', '-qq']);
      run('apt-get', ['install', '-y', '-qq', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } else {
      console.warn(`[bootstrap] ${missing.join(', ')} missing and not root: install them (Debian: apt-get install ${missing.join(' ')}); suites that need them will say they are skipped`);
    }
  }
  const results = join(root, '.vitest-results.json');
  rmSync(results, { force: true }); // never read an earlier run's totals
  const status = pn(['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...rest]);
  // The landing check reads one plain line, not vitest's own summary.
  let passed = 0, failed = 0, skipped = 0;
  try {
    const report = JSON.parse(readFileSync(results, 'utf8'));
    passed = report.numPassedTests;
    // A test file that failed without a failing test (an import error, a crashed hook) counts
    // as one failure; vitest's numFailedTestSuites also counts describe blocks, so not that.
    const brokenFiles = (report.testResults ?? []).filter(
      (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((a) => a.status === 'failed'),
    ).length;
    failed = report.numFailedTests + brokenFiles;
    skipped = report.numPendingTests + report.numTodoTests;
  } catch {
    failed = Math.max(1, failed);
  }
  if (status !== 0 && failed === 0) failed = 1;
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(status === 0 && failed === 0 ? 0 : 1);
}

console.error(`usage: bootstrap.mjs demo|test [args]`);
process.exit(2);
