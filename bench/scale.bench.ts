/**
 * `pnpm bench scale [--sizes 1000000,3000000,10000000] [--quick] [--in-heap <checkout>]`:
 * the read store at the sizes real organisations reach. Per size:
 *
 *  1. the simulator's history (time-ordered, as departments emit it) appended to a SQLite
 *     event store, then `journey rebuild`'s path into the read store (timed);
 *  2. `journey serve` started on both files, as after a restart: time until /readyz is 200
 *     and the process's RSS then;
 *  3. 100 events/s appended live while each route is asked 200 times, one request at a
 *     time: p50 / p99 / max per route, and RSS at the end.
 *
 * The peer in the same run is the in-heap design the read store replaced (every event of
 * every journey in the process, a snapshot file), run from a checkout of the last commit
 * before it (`--in-heap <dir>`, e.g. a `git worktree` of de24379 with its workspace
 * installed): the same store, the same load, the same requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { getSQLiteEventStore, type EventStore, type StreamBatch } from '../services/event-store/src/index.ts';
import { rebuildBeside } from '../projections/src/index.ts';
import { generateJourneys } from '../services/simulator/src/index.ts';
import { journeyStreamName, type JourneyEvent } from '../contracts/src/index.ts';
import { createAuth } from '../services/api/src/index.ts';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const SIZES = (opt('--sizes') ?? (quick ? '100000' : '1000000,3000000,10000000')).split(',').map(Number);
const IN_HEAP = opt('--in-heap');
const REQUESTS = quick ? 50 : 200;
// A replay refolds the journeys active at the instant: seconds each at 10M, so fewer of them
// (their p99 is then the max of the few).
const REPLAYS = quick ? 10 : 50;
const LIVE_RATE = 100;
const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'journeys-bench-scale-'));
// The 1-minute load average, sampled through the run: the generator, the appender, the live
// load and the server share the cores, and anything else running shows here.
let maxLoad = loadavg()[0]!;
const loadTimer = setInterval(() => (maxLoad = Math.max(maxLoad, loadavg()[0]!)), 5000);
loadTimer.unref();
const SECRET = 'bench-scale-secret-0123456789-abcdefghijklmnop';
const log = (s: string) => process.stderr.write(`${s}\n`);
const secs = (ms: number) => (ms / 1000).toFixed(1);

async function fill(store: EventStore, n: number): Promise<{ journeys: string[]; first: number; last: number }> {
  const ids = new Set<string>();
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  let chunk: JourneyEvent[] = [];
  let count = 0;
  const flush = async () => {
    const by = new Map<string, JourneyEvent[]>();
    for (const e of chunk) {
      let l = by.get(e.journeyId);
      if (!l) by.set(e.journeyId, (l = []));
      l.push(e);
    }
    const batches: StreamBatch[] = [...by].map(([id, events]) => ({ stream: journeyStreamName(id), events }));
    await store.appendMany!(batches);
    chunk = [];
  };
  for (const e of generateJourneys({ seed: 7, start: '2023-01-02T00:00:00Z', journeysPerDay: Math.max(200, Math.round(n / 365 / 12)) })) {
    chunk.push(e);
    ids.add(e.journeyId);
    const t = Date.parse(e.occurredAt);
    if (t < first) first = t;
    if (t > last) last = t;
    if (chunk.length >= 20_000) await flush();
    if (++count >= n) break;
    if (count % 500_000 === 0) log(`  generated ${count}`);
  }
  await flush();
  return { journeys: [...ids], first, last };
}

interface Serve {
  child: ChildProcess;
  url: string;
  readyMs: number;
  rss(): number;
  stop(): Promise<void>;
}

async function serve(checkout: string, env: Record<string, string>): Promise<Serve> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(checkout, 'services/cli/src/main.ts'), 'serve'], {
    cwd: checkout,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', JOURNEY_AUTH_SECRET: SECRET, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`serve exited ${code}: ${err}`));
    });
  });
  for (;;) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((r2) => setTimeout(r2, 25));
  }
  const readyMs = performance.now() - t0;
  const rss = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  };
  return {
    child,
    url,
    readyMs,
    rss,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** 100 events/s appended to the store from this process while `during` runs. */
async function withLiveLoad<T>(store: EventStore, journeys: string[], at: number, during: () => Promise<T>): Promise<T> {
  let stop = false;
  let t = at;
  const loop = (async () => {
    let i = 0;
    while (!stop) {
      const started = performance.now();
      const events: JourneyEvent[] = [];
      for (let k = 0; k < LIVE_RATE / 10; k++) {
        t += 1000;
        const id = `live-${i++ % 500}`;
        events.push({ id: randomUUID(), type: 'WorkCompleted', journeyId: id, department: 'Claims', occurredAt: new Date(t).toISOString(), schemaVersion: 1, data: { activity: 'check' } });
      }
      await store.appendMany!(events.map((e) => ({ stream: journeyStreamName(e.journeyId), events: [e] })));
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - started))));
    }
  })();
  try {
    return await during();
  } finally {
    stop = true;
    await loop;
    void journeys;
  }
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
}
async function measure(url: string, token: string, paths: () => string, count = REQUESTS): Promise<Latency> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = await fetch(`${url}${paths()}`, { headers: { authorization: `Bearer ${token}` } });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${paths()} → ${r.status}`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return { p50: q(0.5), p99: q(0.99), max: times[times.length - 1]! };
}

const ROUTES = ['handoffs', 'process map', 'departments', 'journeys list', 'customer status', 'replay'] as const;
interface Run {
  design: string;
  readyMs: number;
  rssReady: number;
  rssEnd: number;
  lat: Record<(typeof ROUTES)[number], Latency>;
}

async function runDesign(design: string, checkout: string, env: Record<string, string>, store: EventStore, data: { journeys: string[]; first: number; last: number }): Promise<Run> {
  // a first start builds whatever the design keeps (read store exists already; the in-heap design's snapshot), then a restart is measured
  const warm = await serve(checkout, env);
  await warm.stop();
  const s = await serve(checkout, env);
  const rssReady = s.rss();
  const auth = createAuth({ secret: SECRET });
  const analyst = await auth.sign({ role: 'analyst' });
  const asOf = new Date((data.first + data.last) / 2).toISOString();
  let k = 0;
  const lat = await withLiveLoad(store, data.journeys, data.last, async () => {
    const out = {} as Run['lat'];
    out.handoffs = await measure(s.url, analyst, () => '/api/analytics/handoffs');
    out['process map'] = await measure(s.url, analyst, () => '/api/analytics/process-map');
    out.departments = await measure(s.url, analyst, () => '/api/analytics/departments');
    out['journeys list'] = await measure(s.url, analyst, () => '/api/journeys?limit=50');
    const ids = data.journeys;
    const picked = Array.from({ length: 50 }, (_, i) => ids[(i * 7919) % ids.length]!);
    const tokens = await Promise.all(picked.map(async (id) => [id, await auth.sign({ role: 'customer', journeyId: id })] as const));
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const [id, tok] = tokens[i % tokens.length]!;
      const t0 = performance.now();
      const r = await fetch(`${s.url}/api/journeys/${encodeURIComponent(id)}/status`, { headers: { authorization: `Bearer ${tok}` } });
      await r.arrayBuffer();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    out['customer status'] = { p50: times[Math.floor(times.length / 2)]!, p99: times[Math.floor(times.length * 0.99)]!, max: times[times.length - 1]! };
    out.replay = await measure(s.url, analyst, () => `/api/replay?asOf=${encodeURIComponent(new Date(Date.parse(asOf) + 3_600_000 * k++).toISOString())}`, REPLAYS);
    return out;
  });
  const rssEnd = s.rss();
  await s.stop();
  return { design, readyMs: s.readyMs, rssReady, rssEnd, lat };
}

interface SizeRow {
  events: number;
  journeys: number;
  rebuildS: number;
  rebuildCpuS: number;
  readStoreMiB: number;
  runs: Run[];
}
const rows: SizeRow[] = [];
try {
  for (const n of SIZES) {
    const dir = join(work, String(n));
    const db = join(dir, 'journeys.db');
    const readDb = join(dir, 'journeys.read.db');
    log(`[${n}] generating and appending…`);
    const store = getSQLiteEventStore({ path: db });
    const data = await fill(store, n);
    log(`[${n}] rebuilding the read store…`);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const rebuilt = await rebuildBeside({ store, path: readDb });
    const c1 = process.cpuUsage(c0);
    const row: SizeRow = {
      events: rebuilt.events,
      journeys: rebuilt.journeys,
      rebuildS: (performance.now() - t0) / 1000,
      rebuildCpuS: (c1.user + c1.system) / 1e6,
      readStoreMiB: statSync(readDb).size / 2 ** 20,
      runs: [],
    };
    log(`[${n}]   ${rebuilt.journeys} journeys in ${row.rebuildS.toFixed(1)} s`);
    const env = { JOURNEY_STORE: `sqlite:${db}`, JOURNEY_READ_STORE: readDb };
    log(`[${n}] read store: restart and live load…`);
    row.runs.push(await runDesign('read store', root, env, store, data));
    if (IN_HEAP) {
      log(`[${n}] in-heap design: restart and live load…`);
      try {
        row.runs.push(await runDesign('in-heap (before)', IN_HEAP, env, store, data));
      } catch (err) {
        log(`[${n}]   in-heap design failed: ${(err as Error).message.slice(0, 300)}`);
      }
    }
    await store.close();
    rows.push(row);
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const ms = (x: number) => x.toFixed(1);
const lines: string[] = ['# Benchmark: scale', ''];
lines.push(`Command: \`pnpm bench scale${argv.length ? ' ' + argv.join(' ') : ''}\` · date ${new Date().toISOString()} · ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version}.`);
lines.push(`Highest 1-minute load average during the run: ${maxLoad.toFixed(1)} on ${cpus().length} cores (the bench's own generator, appender and live load share them with the server; above ${cpus().length}, latencies and ready times are worse than on an idle machine).`, '');
lines.push('Per size: simulated history appended to a SQLite event store; the read store built by `journey rebuild`\'s path; `journey serve` started on both files (once to warm the file cache, then the measured restart); then, with 100 events/s appended live, each route asked one request at a time (' + REQUESTS + ' each; replay ' + REPLAYS + '). Targets (issue #11): ready ≤ 2 s and RSS ≤ 400 MiB at every size; p99 ≤ 50 ms for handoffs, process map, departments and the journeys list at 10M; customer status p99 ≤ 5 ms; replay ≤ 1 s.', '');
lines.push('| events | journeys | design | rebuild (s, CPU s) | read store file | ready after restart (s) | RSS ready / after load (MiB) | handoffs p50/p99 (ms) | process map p50/p99 | departments p50/p99 | journeys list p50/p99 | customer status p50/p99 | replay p50/p99/max |');
lines.push('|---:|---:|---|---|---:|---:|---|---|---|---|---|---|---|');
for (const r of rows) {
  for (const run of r.runs) {
    const l = run.lat;
    const pair = (x: Latency) => `${ms(x.p50)} / ${ms(x.p99)}`;
    lines.push(
      `| ${r.events.toLocaleString('en')} | ${r.journeys.toLocaleString('en')} | ${run.design} | ${run.design === 'read store' ? `${r.rebuildS.toFixed(1)} (${r.rebuildCpuS.toFixed(1)})` : '—'} | ${run.design === 'read store' ? `${r.readStoreMiB.toFixed(0)} MiB` : '—'} | ${secs(run.readyMs)} | ${mib(run.rssReady)} / ${mib(run.rssEnd)} | ${pair(l.handoffs)} | ${pair(l['process map'])} | ${pair(l.departments)} | ${pair(l['journeys list'])} | ${pair(l['customer status'])} | ${ms(l.replay.p50)} / ${ms(l.replay.p99)} / ${ms(l.replay.max)} |`,
    );
  }
}
lines.push('');
const md = lines.join('\n') + '\n';
writeFileSync(join(root, 'docs/benchmarks/scale.md'), md);
process.stdout.write(md);
