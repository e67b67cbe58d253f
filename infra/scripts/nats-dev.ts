/**
 * Starts a local nats-server with JetStream for development:
 *
 *   pnpm exec tsx infra/scripts/nats-dev.ts [--port 4222] [--store ./data/nats] [--departments "Intake,Billing"]
 *
 * Never anonymous: always the production permission model (infra/nats/config.ts): one user
 * per department limited to `journey.events.<slug>.>`, plus the `ingest` service user. Dev
 * passwords are generated once into <store>/credentials.env (0600) and printed. (`--auth`
 * is still accepted, and changes nothing.)
 *
 * The binary: `nats-server` on PATH or /usr/sbin/nats-server (Debian/Ubuntu:
 * `apt-get install nats-server`; elsewhere https://github.com/nats-io/nats-server/releases,
 * or `go install github.com/nats-io/nats-server/v2@latest`). NATS_SERVER_BIN overrides.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEPARTMENTS, renderNatsConfig } from '../nats/config.ts';
import { ensureCredentials } from '../nats/credentials.ts';

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

const departments = values.departments ? values.departments.split(',').map((s) => s.trim()).filter(Boolean) : DEFAULT_DEPARTMENTS;
const credentials = ensureCredentials(join(store, 'credentials.env'), departments);
Object.assign(env, credentials.env);
const configFile = join(store, 'nats-server.conf');
writeFileSync(configFile, renderNatsConfig({ departments }), { mode: 0o600 });
args.push('-c', configFile);
console.log(`users and dev passwords (also in ${credentials.file}):`);
for (const [user, password] of credentials.passwords) console.log(`  ${user.padEnd(16)} ${password}`);
console.log(`ingest/API: NATS_URL=nats://127.0.0.1:${values.port} NATS_USER=ingest NATS_PASSWORD=${credentials.passwords.get('ingest')}`);

const child = spawn(bin, args, { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
