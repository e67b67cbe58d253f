import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from '../src/index.ts';
import { journeyEvents, startHarness, type Harness } from './support/harness.ts';
import { openSse, type SseClient } from './support/sse.ts';

/**
 * Issue 13 § 5, each attack as it was tried on main, against a real server on loopback:
 * it must now fail to do harm.
 */
let h: Harness;
let viewerDir: string;
const lines: string[] = [];

beforeAll(async () => {
  viewerDir = await mkdtemp(join(tmpdir(), 'journeys-viewer-'));
  await mkdir(join(viewerDir, 'widget'));
  await writeFile(join(viewerDir, 'index.html'), '<!doctype html><title>viewer</title>');
  await writeFile(join(viewerDir, 'widget', 'status.html'), '<!doctype html><title>widget</title>');
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  h = await startHarness({
    logger: pino({ level: 'debug' }, sink),
    env: { JOURNEY_TRUST_PROXY: 'loopback', JOURNEY_WIDGET_FRAME_ANCESTORS: 'https://www.example.com, https://help.example.com' },
    app: { sseHeartbeatMs: 200, viewerDir, rateLimits: { failures: 30, status: 10_000 } },
  });
  await h.publish(journeyEvents('sec-1').slice(0, 3));
});

afterAll(async () => {
  await h?.close();
  await rm(viewerDir, { recursive: true, force: true });
});

describe('the per-token stream cap', () => {
  it('holds whatever the spelling of the Authorization header (and ?token=)', async () => {
    const token = await h.token('analyst');
    const spellings = [`Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`, `Bearer\t${token}`, `bEaReR ${token} `, `Bearer   ${token}`, `Bearer ${token}`];
    const open: SseClient[] = [];
    try {
      for (const authorization of spellings) {
        const s = await openSse(`${h.url}/api/stream`, { authorization });
        expect(s.status).toBe(200);
        open.push(s);
      }
      const viaQuery = await openSse(`${h.url}/api/stream?token=${token}`);
      expect(viaQuery.status).toBe(200);
      open.push(viaQuery);
      // the ninth stream of the same token, in yet another spelling, is refused
      for (const attempt of [`BeArEr    ${token}`, undefined]) {
        const res = await fetch(`${h.url}/api/stream${attempt ? '' : `?token=${token}`}`, { headers: attempt ? { authorization: attempt } : {} });
        expect(res.status).toBe(429);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        await res.body?.cancel();
      }
      // another token is not affected
      const other = await openSse(`${h.url}/api/stream`, { authorization: `Bearer ${await h.token('analyst')}` });
      expect(other.status).toBe(200);
      other.close();
    } finally {
      for (const s of open) s.close();
    }
  });
});

describe('the failed-request limit', () => {
  it('blocks the flooding client only: a valid token behind the same proxy still passes', async () => {
    const customer = await h.token('customer', { journeyId: 'sec-1' });
    const bogus = { authorization: 'Bearer not.a.token', 'x-forwarded-for': '203.0.113.7' };
    let refused = 0;
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${h.url}/api/journeys/sec-1/status`, { headers: bogus });
      if (res.status === 429) refused++;
      await res.body?.cancel();
    }
    expect(refused).toBeGreaterThan(0);
    // the same address, with a valid token: served
    const ok = await fetch(`${h.url}/api/journeys/sec-1/status`, { headers: { authorization: `Bearer ${customer}`, 'x-forwarded-for': '203.0.113.7' } });
    expect(ok.status).toBe(200);
    // another client behind the same proxy (trusted: loopback), without a token yet: not blocked
    const neighbour = await fetch(`${h.url}/api/journeys/sec-1/status`, { headers: { 'x-forwarded-for': '203.0.113.8' } });
    expect(neighbour.status).toBe(401);
    // and the flooder stays blocked
    const again = await fetch(`${h.url}/api/journeys/sec-1/status`, { headers: bogus });
    expect(again.status).toBe(429);
  });
});

describe('token lifetimes', () => {
  it('answers 400 problem+json (not 500) to an absurd or too long ttl', async () => {
    const admin = await h.token('admin');
    for (const ttl of ['999999999w', '99999999999', '400d']) {
      const res = await h.post('/api/tokens', { role: 'admin', ttl }, admin);
      expect(res.status, ttl).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const body = (await res.json()) as { problems: Array<{ path: string }> };
      expect(body.problems[0]!.path).toBe('ttl');
    }
    const fine = await h.post('/api/tokens', { role: 'customer', journeyId: 'sec-1', ttl: '30d' }, admin);
    expect(fine.status).toBe(201);
    expect(((await fine.json()) as { jti: string }).jti).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('revocation', () => {
  it('refuses a revoked token on the next request and ends its open stream', async () => {
    const admin = await h.token('admin');
    const issued = (await (await h.post('/api/tokens', { role: 'customer', journeyId: 'sec-1', ttl: '1d' }, admin)).json()) as { token: string; jti: string };
    const before = await h.http('/api/journeys/sec-1/status', { token: issued.token });
    expect(before.status).toBe(200);
    const stream = await openSse(`${h.url}/api/journeys/sec-1/status/stream?token=${issued.token}`);
    await stream.next((f) => f.event === 'status');

    const res = await h.post('/api/tokens/revocations', { jti: issued.jti }, admin);
    expect(res.status).toBe(200);
    const revoked = await stream.next((f) => f.event === 'token-revoked', 3000);
    expect(JSON.parse(revoked.data)).toHaveProperty('reason');
    await stream.ended;
    const after = await h.http('/api/journeys/sec-1/status', { token: issued.token });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { detail: string }).detail).toContain('revoked');
    // kept beside the store, mode 0600, so a restart still refuses it
    const file = join(h.dir, 'revoked-tokens.jsonl');
    expect((await readFile(file, 'utf8'))).toContain(issued.jti);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('revokes by the token itself, and a revoked admin cannot revoke anything', async () => {
    const admin = await h.token('admin');
    const victim = await h.token('analyst');
    expect((await h.post('/api/tokens/revocations', { token: victim }, admin)).status).toBe(200);
    expect((await h.http('/api/journeys', { token: victim })).status).toBe(401);
    expect((await h.post('/api/tokens/revocations', { token: admin }, admin)).status).toBe(200);
    expect((await h.post('/api/tokens/revocations', { jti: 'x' }, admin)).status).toBe(401);
    expect((await h.post('/api/tokens/revocations', { jti: 'a', token: 'b' }, await h.token('admin'))).status).toBe(400);
  });
});

describe('key rollover', () => {
  it('accepts tokens of the previous key during a rotation, and refuses them after', async () => {
    const oldSecret = randomBytes(32).toString('base64url');
    const oldToken = await createAuth({ secret: oldSecret }).sign({ role: 'analyst' });
    const rotating = await startHarness({ env: { JOURNEY_AUTH_PREVIOUS_SECRETS: oldSecret } });
    try {
      expect((await rotating.http('/api/journeys', { token: oldToken })).status).toBe(200);
      expect((await rotating.http('/api/journeys', { token: await rotating.token('analyst') })).status).toBe(200);
    } finally {
      await rotating.close();
    }
    const rotated = await startHarness();
    try {
      expect((await rotated.http('/api/journeys', { token: oldToken })).status).toBe(401);
    } finally {
      await rotated.close();
    }
  });
});

describe('log redaction', () => {
  it('masks every spelling of the token parameter', async () => {
    const customer = await h.token('customer', { journeyId: 'sec-1' });
    const spellings = ['tok%65n', '%74oken', 'TOKEN', 'access_token', 'To%6Ben'];
    for (const name of spellings) {
      const res = await fetch(`${h.url}/api/journeys/sec-1/status?${name}=${customer}&x=1`);
      await res.body?.cancel();
    }
    // a token under a name we never heard of, and one in the path, are still masked
    await (await fetch(`${h.url}/api/journeys/${customer}/status?whatever=${customer}`)).body?.cancel();
    await new Promise((r) => setTimeout(r, 100));
    const all = lines.join('\n');
    expect(all).toContain('[REDACTED]');
    expect(all).not.toContain(customer.split('.')[2]!);
  });
});

describe('browser protections', () => {
  it('the viewer may not be framed and runs only its own scripts', async () => {
    const res = await fetch(`${h.url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('the widget page may be framed by the configured origins only', async () => {
    const res = await fetch(`${h.url}/widget/status.html`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain('frame-ancestors https://www.example.com https://help.example.com');
    expect(res.headers.get('x-frame-options')).toBeNull();
  });

  it('API answers can neither run nor be framed', async () => {
    const res = await fetch(`${h.url}/api/journeys/sec-1/status`);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe('journey token (CLI)', () => {
  const cli = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
        env: { ...process.env, JOURNEY_STORE: `sqlite:${h.storePath}`, JOURNEY_AUTH_SECRET: h.secret },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  it('refuses a lifetime past the role maximum, and a revocation reaches the running server', async () => {
    const tooLong = await run(['token', '--role', 'admin', '--ttl', '30d']);
    expect(tooLong.status).not.toBe(0);
    expect(tooLong.stderr).toContain('at most 7d');
    const token = await h.token('analyst');
    expect((await h.http('/api/journeys', { token })).status).toBe(200);
    const revoked = await run(['token', '--revoke', token]);
    expect(revoked.status, revoked.stderr).toBe(0);
    // the server re-reads the deny list within its poll interval (2 s)
    const deadline = Date.now() + 6000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await h.http('/api/journeys', { token })).status;
    }
    expect(status).toBe(401);
  }, 60_000);
});
