import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuth } from '../src/index.ts';
import { loadConfig } from '../../cli/src/config.ts';
import { startRuntime } from '../../cli/src/runtime.ts';

/** `journey token`: prints tokens the server accepts, refuses bad input with a message and a non-zero exit. */
const cli = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'journeys-cli-'));
const secret = 'cli-test-secret-cli-test-secret-0123456789';

function journey(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { ...process.env, JOURNEY_STORE: `sqlite:${join(dir, 'j.db')}`, JOURNEY_AUTH_SECRET: secret, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('journey token', () => {
  it('prints a signed token for a department named as the organisation names it', async () => {
    const r = journey(['token', '--role', 'department:Claims Intake', '--ttl', '30m']);
    expect(r.status, r.stderr).toBe(0);
    const principal = await createAuth({ secret }).verify(r.stdout.trim());
    expect(principal).toMatchObject({ kind: 'department', department: 'claims-intake' });
    expect(principal.expiresAt - Date.now()).toBeLessThanOrEqual(30 * 60_000);
  });

  it.each([
    [['token', '--role', 'root'], /unknown role/],
    [['token', '--role', 'customer'], /--journey/],
    [['token', '--role', 'analyst', '--ttl', 'forever'], /invalid duration/],
  ])('refuses %j with a clear message', (args, message) => {
    const r = journey(args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^journey: /);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('without JOURNEY_AUTH_SECRET, generates a 0600 key beside the store that the server then uses', async () => {
    const home = join(dir, 'generated');
    const r = journey(['token', '--role', 'customer', '--journey', 'claim-7'], {
      JOURNEY_STORE: `sqlite:${join(home, 'j.db')}`,
      JOURNEY_AUTH_SECRET: '',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/generated a signing key/);
    expect(statSync(join(home, 'auth-secret')).mode & 0o777).toBe(0o600);

    const rt = await startRuntime({
      config: loadConfig({ JOURNEY_STORE: `sqlite:${join(home, 'j.db')}`, PORT: '0' }),
      logger: pino({ level: 'silent' }),
      announce: () => {},
      readStore: false,
    });
    try {
      expect(rt.authSecret).toMatchObject({ source: 'file', path: join(home, 'auth-secret') });
      const res = await fetch(`${rt.url}/api/journeys/claim-7/status?token=${r.stdout.trim()}`);
      expect(res.status).toBe(404); // authenticated and authorised; the journey just does not exist
      const other = await fetch(`${rt.url}/api/journeys/claim-8/status?token=${r.stdout.trim()}`);
      expect(other.status).toBe(403);
    } finally {
      await rt.close();
    }
  });
});
