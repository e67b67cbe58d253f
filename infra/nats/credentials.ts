/**
 * Credentials of a nats-server Journeys starts itself (`journey demo`, infra/scripts/nats-dev.ts):
 * one password per user of the permission model (infra/nats/config.ts: the `ingest` service
 * user and one user per department), generated once and kept in `credentials.env` (mode
 * 0600) beside the server's data, so a restart keeps them. Never anonymous.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { departmentSlug } from '../../contracts/src/department.ts';
import { passwordVariable } from './config.ts';

export interface LocalCredentials {
  /** user → password (`ingest` and each department slug). */
  passwords: Map<string, string>;
  /** `JOURNEY_NATS_PASSWORD_*` → password: the environment nats-server reads them from. */
  env: Record<string, string>;
  file: string;
}

export function ensureCredentials(file: string, departments: readonly string[], ingestUser = 'ingest'): LocalCredentials {
  const users = [ingestUser, ...new Set(departments.map(departmentSlug))];
  const known = new Map<string, string>();
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (m) known.set(m[1]!, m[2]!);
    }
  }
  const passwords = new Map<string, string>();
  const env: Record<string, string> = {};
  for (const user of users) {
    const name = passwordVariable(user);
    // nats-server parses a variable's value as config: start with a letter
    if (!known.has(name)) known.set(name, `j${randomBytes(16).toString('hex')}`);
    passwords.set(user, known.get(name)!);
    env[name] = known.get(name)!;
  }
  writeFileSync(file, [...known].map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { passwords, env, file };
}
