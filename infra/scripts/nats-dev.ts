/**
 * Starts a local nats-server with JetStream for development:
 *
 *   pnpm exec tsx infra/scripts/nats-dev.ts [--port 4222] [--store ./data/nats] [--auth] [--departments "Intake,Billing"]
 *
 * Without --auth: no users (any client may do anything), the quickest way to try the
 * product: `NATS_URL=nats://127.0.0.1:4222 pnpm journey serve`.
 * With --auth: the production permission model (infra/nats/config.ts): one user per
 * department limited to `journey.events.<slug>.>`, plus the `ingest` service user. Dev
 * passwords are generated once into <store>/credentials.env and printed.
 *
 * The binary: `nats-server` on PATH or /usr/sbin/nats-server (Debian/Ubuntu:
 * `apt-get install nats-server`; elsewhere https://github.com/nats-io/nats-server/releases,
 * or `go install github.com/nats-io/nats-server/v2@latest`). NATS_SERVER_BIN overrides.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEPARTMENTS, passwordVariable, renderNatsConfig } from '../nats/config.ts';
import { departmentSlug } from '../../contracts/src/department.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4222' },
    store: { type: 'string', default: './data/nats' },
    auth: { type: 'boolean', default: false },
    departments: { type: 'string' },
  },
});

const bin = process.env.NATS_SERVER_BIN ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');
if (spawnSync(bin, ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error(
    `nats-server not found (${bin}). Install it: Debian/Ubuntu \`sudo apt-get install nats-server\`; ` +
      'other systems: https://github.com/nats-io/nats-server/releases or `go install github.com/nats-io/nats-server/v2@latest`; ' +
      'or set NATS_SERVER_BIN. Without NATS, `pnpm journey serve` runs on its in-process bus.',
  );
  process.exit(2);
}

const store = resolve(values.store);
mkdirSync(store, { recursive: true });
const args = ['-a', '127.0.0.1', '-p', values.port, '-js', '-sd', join(store, 'jetstream')];
const env: NodeJS.ProcessEnv = { ...process.env };

if (values.auth) {
  const departments = values.departments ? values.departments.split(',').map((s) => s.trim()).filter(Boolean) : DEFAULT_DEPARTMENTS;
  const users = ['ingest', ...new Set(departments.map(departmentSlug))];
  const credentialsFile = join(store, 'credentials.env');
  const known = new Map<string, string>();
  if (existsSync(credentialsFile)) {
    for (const line of readFileSync(credentialsFile, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (m) known.set(m[1]!, m[2]!);
    }
  }
  for (const user of users) {
    const name = passwordVariable(user);
    if (!known.has(name)) known.set(name, `j${randomBytes(12).toString('hex')}`) // nats-server parses variable values: start with a letter;
    env[name] = known.get(name)!;
  }
  writeFileSync(credentialsFile, [...known].map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  const configFile = join(store, 'nats-server.conf');
  writeFileSync(configFile, renderNatsConfig({ departments }));
  args.push('-c', configFile);
  console.log(`users and dev passwords (also in ${credentialsFile}):`);
  for (const user of users) console.log(`  ${user.padEnd(16)} ${env[passwordVariable(user)]}`);
  console.log(`ingest/API: NATS_URL=nats://127.0.0.1:${values.port} NATS_USER=ingest NATS_PASSWORD=${env[passwordVariable('ingest')]}`);
} else {
  console.log(`no authentication (pass --auth for per-department users): NATS_URL=nats://127.0.0.1:${values.port}`);
}

const child = spawn(bin, args, { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
