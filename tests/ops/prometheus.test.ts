import { createAuth } from '@journeys/api';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/nats.ts';
import { REPO_ROOT, startServeProcess, type ServeProcess } from '../support/serve-process.ts';

// CI installs both (.ci/run); elsewhere a missing tool skips this file, said below.
const hasTools =
  (spawnSync('promtool', ['--version']).status === 0 && spawnSync('prometheus', ['--version']).status === 0) || process.env.CI === 'true';
if (!hasTools) console.warn('promtool/prometheus not found (apt-get install prometheus): Prometheus tests skipped');

const SECRET = 'prometheus-test-secret-0123456789-abcdefgh';
const JOURNEY = 'claim-label-probe-4711';
const CUSTOMER = 'customer-label-probe-0815';

let dir: string;
let serve: ServeProcess;
let prometheus: ChildProcess | undefined;
let metricsToken: string;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!hasTools)('Prometheus scrapes journey serve', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prometheus-test-'));
    serve = await startServeProcess({
      env: { JOURNEY_STORE: `sqlite:${join(dir, 'journeys.db')}`, JOURNEY_AUTH_SECRET: SECRET, NATS_URL: '' },
    });
    // The scraper's credential, as an operator mints it.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'services/cli/src/main.ts'), 'token', '--role', 'metrics'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, JOURNEY_AUTH_SECRET: SECRET },
      },
    );
    metricsToken = stdout.trim();
    // Some traffic, with ids that must not show up in any label.
    const admin = await createAuth({ secret: SECRET }).sign({ role: 'admin' });
    const started = {
      id: randomUUID(),
      type: 'JourneyStarted',
      journeyId: JOURNEY,
      department: 'Intake',
      occurredAt: new Date().toISOString(),
      schemaVersion: 1,
      data: { journeyType: 'claim', channel: 'web', customerRef: CUSTOMER },
    };
    const posted = await fetch(`${serve.url}/api/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(started),
    });
    expect(posted.status).toBe(202);
    await fetch(`${serve.url}/api/journeys/${JOURNEY}`, { headers: { authorization: `Bearer ${admin}` } });
    await fetch(`${serve.url}/api/journeys/${JOURNEY}/status`, { headers: { authorization: `Bearer ${admin}` } });
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await serve?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the metrics token is long-lived and opens /metrics and nothing else', async () => {
    const claims = JSON.parse(Buffer.from(metricsToken.split('.')[1]!, 'base64url').toString()) as {
      role: string;
      exp: number;
      iat: number;
    };
    expect(claims.role).toBe('metrics');
    expect(claims.exp - claims.iat).toBe(365 * 24 * 3600);
    const as = (path: string, init: RequestInit = {}) =>
      fetch(`${serve.url}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${metricsToken}`,
          'content-type': 'application/json',
          ...(init.headers as Record<string, string>),
        },
      });
    expect((await as('/metrics')).status).toBe(200);
    expect((await fetch(`${serve.url}/metrics`)).status).toBe(401);
    for (const path of [
      '/api/journeys',
      `/api/journeys/${JOURNEY}`,
      `/api/journeys/${JOURNEY}/status`,
      '/api/analytics/handoffs',
      '/api/audit/events',
      '/api/audit/verify',
      '/api/analytics/departments',
      '/api/stream',
    ]) {
      expect((await as(path)).status, path).toBe(403);
    }
    expect((await as('/api/events', { method: 'POST', body: '[]' })).status).toBe(403);
    expect((await as('/api/tokens', { method: 'POST', body: JSON.stringify({ role: 'admin' }) })).status).toBe(403);
  });

  it('promtool check metrics finds nothing, and no label carries a journey, customer or event id', async () => {
    const body = await (await fetch(`${serve.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    expect(body).toMatch(/^process_cpu_seconds_total /m);
    expect(body).not.toMatch(/journeys_process_/);
    expect(body).not.toContain(JOURNEY);
    expect(body).not.toContain(CUSTOMER);
    const labelValues = [...body.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/="([^"]*)"/g)].map((v) => v[1]!));
    for (const v of labelValues) expect(v).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('a real Prometheus server with infra/prometheus/prometheus.yml scrapes it: up == 1 and Journeys metrics present', async () => {
    const target = new URL(serve.url).host;
    const shipped = readFileSync(join(REPO_ROOT, 'infra/prometheus/prometheus.yml'), 'utf8');
    expect(shipped).toContain("'127.0.0.1:8080'");
    const config = shipped.replace("'127.0.0.1:8080'", `'${target}'`).replace(/scrape_interval: 15s/, 'scrape_interval: 1s');
    writeFileSync(join(dir, 'prometheus.yml'), config);
    writeFileSync(join(dir, 'journeys-metrics.token'), `${metricsToken}\n`);
    const checked = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    expect(checked.status, checked.stderr).toBe(0);

    const port = await freePort();
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    const api = `http://127.0.0.1:${port}/api/v1`;
    const query = async (q: string) => {
      const res = (await (await fetch(`${api}/query?query=${encodeURIComponent(q)}`)).json()) as {
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      return res.data.result;
    };
    const up = await waitFor('up{job="journeys"} == 1', async () => {
      const r = await query('up{job="journeys"}');
      return r[0]?.value[1] === '1' ? r[0] : undefined;
    });
    expect(up.metric).toMatchObject({ job: 'journeys', instance: target, service: 'journeys' });
    const head = await waitFor('journeys_store_head_position', async () => (await query('journeys_store_head_position'))[0]);
    expect(Number(head.value[1])).toBeGreaterThanOrEqual(1);
    const accepted = await waitFor(
      'journeys_http_events_total',
      async () => (await query('journeys_http_events_total{outcome="accepted"}'))[0],
    );
    expect(Number(accepted.value[1])).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
