/**
 * `pnpm bench api [--quick]` (bench/api.bench.ts runs this file; it lives in the API package so
 * that express, pino and autocannon resolve): GET /api/journeys/:id/status under load (autocannon), with
 * 10 000 simulated journeys loaded, beside plain Express routes returning constant JSON
 * of the same size, in the same run, on the same server process.
 *
 * The server (the real `journey serve` runtime: SQLite store, in-process bus, ingest,
 * projections, API with auth, logging, metrics, rate limits) runs in a child process so that
 * the load generator does not share its event loop. Three routes are measured in turn, the
 * order rotating every round, several rounds each (other work shares the two cores): the
 * ratio reported is the median of the per-round ratios, each taken against the plain round
 * measured next to it.
 *
 * - plain: an Express app with one constant-JSON route and no middleware (the ceiling);
 * - plain+common: the same route behind the middleware every API route has (request id and
 *   log line, latency histogram, nosniff: `commonMiddleware` of app.ts);
 * - status: the real route.
 *
 * Targets (issue "The HTTP API"): status ≥ 0.7 × the plain route's requests/s, p99 < 10 ms.
 * Writes docs/benchmarks/api.md.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Request, RequestHandler, Response } from 'express';

const quick = process.argv.includes('--quick');
const JOURNEYS = quick ? 2_000 : 10_000;
const DURATION_S = quick ? 3 : 10;
const CONNECTIONS = 10;
const ROUNDS = quick ? 2 : 3;
const TARGET_RATIO = 0.7;
const TARGET_P99_MS = 10;

/** Hand-written notes under the figures (they explain the code, not this run's numbers). */
const WHERE_IT_GOES = `## What the status route does per request, and what was made cheaper

- **Status cache** (\`services/api/src/status-cache.ts\`): the serialised status and its ETag are kept per
  journey. An entry is dropped when the projections announce a change to that journey (\`queries.onChange\`,
  called synchronously after each applied batch), when catch-up ends, and at the instant its SLA could flip
  with no event (\`onTrack\` turns false once the clock passes \`promisedBy\` of an open journey); entries
  live 30 s at most (\`statusCacheMs\`) in case a change were ever applied without an announcement. Before,
  every request refolded the status, compared it with the previous one (two \`JSON.stringify\` in the read
  model) and serialised it a third time. With ${JOURNEYS.toLocaleString('en')} journeys asked in turn, each entry is
  reused on every pass after the first.
- **Rate limits** (\`services/api/src/http/rate-limit.ts\`): rate-limiter-flexible's in-memory limiter instead of
  express-rate-limit. A known staff token passes the per-journey limit synchronously (before: two promise
  round trips through an async \`skip\` and key generator); failed requests per IP are counted after the
  response, only when it failed, and a blocked address is refused by a map lookup (before: every request
  was counted, then uncounted when it succeeded, with RateLimit headers). Customers and senders still pay
  one promise per request, and get 429 problem+json with Retry-After and draft-7 RateLimit headers.
- **No event-loop turns between middleware**: the status route is registered on the app itself, ahead of the
  routers. Express 5's router leaves a router with no matching route through \`setImmediate\`; placed after
  the ops, rate-limit, events and streams routers, every status request waited four event-loop turns.
- **Body written as bytes**: the cached body is a Buffer written with its Content-Length by \`res.end\`
  (\`sendSerialised\` in \`http/etag.ts\`), not \`res.send\`, which copied it into a new Buffer and tested
  \`req.fresh\` again after our own If-None-Match check.
- **One 'close' listener for the log line** instead of 'finish' and 'close' (and removing both afterwards).
- **Open streams are told when the SLA flips**: each customer stream whose journey is open and on track arms
  one timer for just after \`promisedBy\`, so \`onTrack: false\` is pushed with no event.
- Unchanged: tokens are verified once and cached (a map lookup per request); the request logger writes
  nothing and builds nothing for a successful request at level info; the histogram observes every request.`;

type Kind = 'plain' | 'common' | 'status';
const KINDS: readonly Kind[] = ['plain', 'common', 'status'];
const LABEL: Record<Kind, string> = {
  plain: 'plain Express, constant JSON, no middleware',
  common: 'plain route behind the common middleware',
  status: 'GET /api/journeys/:id/status',
};

interface ServerInfo {
  url: string;
  plainUrl: string;
  commonUrl: string;
  token: string;
  ids: string[];
  events: number;
  loadSeconds: number;
  catchUpSeconds: number;
}

if (process.argv.includes('--server')) await serve();
else await main();

/** Child: load the store, start the runtime and a plain express app, print where they are. */
async function serve(): Promise<void> {
  const { pino } = await import('pino');
  const { default: express } = await import('express');
  const { getSQLiteEventStore } = await import('../../event-store/src/index.ts');
  const { simulateJourneys, appendJourneys } = await import('../../simulator/src/index.ts');
  const { loadConfig } = await import('../../cli/src/config.ts');
  const { startRuntime } = await import('../../cli/src/runtime.ts');

  const dir = process.argv[process.argv.indexOf('--server') + 1]!;
  const path = join(dir, 'journeys.db');
  const t0 = performance.now();
  const events = simulateJourneys({ seed: 7, start: '2026-01-05T00:00:00Z', maxJourneys: JOURNEYS, journeysPerDay: 400 });
  const store = getSQLiteEventStore({ path });
  await appendJourneys(store, events);
  await store.close();
  const loadSeconds = (performance.now() - t0) / 1000;

  const config = loadConfig({
    JOURNEY_STORE: `sqlite:${path}`,
    JOURNEY_AUTH_SECRET: 'bench-secret-bench-secret-bench-secret!',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  const t1 = performance.now();
  // Logs at info (the default): successful requests log at debug, so they are not written.
  const rt = await startRuntime({
    config,
    logger: pino({ level: 'info' }, pino.destination('/dev/null')),
    announce: () => {},
    checkpointDir: false,
    waitForCatchUp: true,
  });
  const catchUpSeconds = (performance.now() - t1) / 1000;
  const ids = rt.queries.listJourneys({}, { limit: JOURNEYS }).items.map((j) => j.journeyId);
  const sample = rt.queries.customerStatus(ids[0]!)!;

  const { commonMiddleware, createApiMetrics } = await import('../src/index.ts');
  const plain = express();
  plain.get('/plain', (_req, res) => {
    res.json(sample);
  });
  // The same constant route behind what every API route goes through before routing.
  const common: RequestHandler[] = commonMiddleware(rt.logger.child({ component: 'api' }), createApiMetrics(rt.registry));
  plain.get('/common', ...common, (_req: Request, res: Response) => {
    res.json(sample);
  });
  const plainServer = plain.listen(0, '127.0.0.1');
  await new Promise((r) => plainServer.once('listening', r));
  const port = (plainServer.address() as { port: number }).port;

  const info: ServerInfo = {
    url: rt.url,
    plainUrl: `http://127.0.0.1:${port}/plain`,
    commonUrl: `http://127.0.0.1:${port}/common`,
    token: await rt.auth.sign({ role: 'analyst' }),
    ids,
    events: events.length,
    loadSeconds,
    catchUpSeconds,
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    plainServer.close();
    void rt.close().then(() => process.exit(0));
  });
}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  total: number;
}

async function main(): Promise<void> {
  const { default: autocannon } = await import('autocannon');
  const dir = mkdtempSync(join(tmpdir(), 'journeys-bench-api-'));
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--server', dir, ...(quick ? ['--quick'] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    console.log(`loading ${JOURNEYS.toLocaleString('en')} simulated journeys and starting the server…`);
    const info = await new Promise<ServerInfo>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.once('line', (line: string) => resolve(JSON.parse(line) as ServerInfo));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    console.log(
      `${info.events.toLocaleString('en')} events stored in ${info.loadSeconds.toFixed(1)} s; projections caught up in ${info.catchUpSeconds.toFixed(1)} s`,
    );

    const run = (kind: Kind, seconds: number) =>
      new Promise<Round>((resolve, reject) => {
        let i = 0;
        const opts =
          kind !== 'status'
            ? { url: kind === 'plain' ? info.plainUrl : info.commonUrl }
            : {
                url: info.url,
                headers: { authorization: `Bearer ${info.token}` },
                requests: [
                  {
                    method: 'GET' as const,
                    // A different journey on every request, so no single entry stays hot.
                    setupRequest: (req: { path?: string }) => {
                      req.path = `/api/journeys/${encodeURIComponent(info.ids[i++ % info.ids.length]!)}/status`;
                      return req;
                    },
                  },
                ],
              };
        autocannon(
          { ...opts, connections: CONNECTIONS, duration: seconds, pipelining: 1 },
          (err: Error | null, r: import('autocannon').Result) => {
            if (err) return reject(err);
            resolve({
              rps: r.requests.average,
              p50: r.latency.p50,
              p99: r.latency.p99,
              max: r.latency.max,
              non2xx: r.non2xx,
              errors: r.errors,
              total: r.requests.total,
            });
          },
        );
      });

    for (const kind of KINDS) await run(kind, 1);
    const rounds: Record<Kind, Round[]> = { plain: [], common: [], status: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so that no route always runs right after another one.
      const order = KINDS.map((_, i) => KINDS[(i + round) % KINDS.length]!);
      for (const kind of order) {
        const r = await run(kind, DURATION_S);
        rounds[kind].push(r);
        console.log(
          `${kind.padEnd(6)} round ${round + 1}: ${Math.round(r.rps).toLocaleString('en')} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
        );
      }
    }
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
    };
    /** The round whose requests/s is the median (the lower middle one for an even count). */
    const medianRound = (rs: Round[]) => [...rs].sort((a, b) => a.rps - b.rps)[(rs.length - 1) >> 1]!;
    const ratios = (k: Kind) => rounds.status.map((s, i) => s.rps / rounds[k][i]!.rps);
    const ratio = median(ratios('plain'));
    const ratioCommon = median(ratios('common'));
    const status = medianRound(rounds.status);
    const worstP99 = Math.max(...rounds.status.map((r) => r.p99));
    const failures = rounds.status.reduce((n, r) => n + r.non2xx + r.errors, 0);
    const ratioMet = ratio >= TARGET_RATIO;
    const p99Met = status.p99 < TARGET_P99_MS && failures === 0;
    console.log(`\nstatus / plain = ${ratio.toFixed(2)} (median of ${ratios('plain').map((x) => x.toFixed(2)).join(', ')}; target ≥ ${TARGET_RATIO}): ${ratioMet ? 'met' : 'NOT met'}`);
    console.log(`status / plain+common = ${ratioCommon.toFixed(2)} (median of ${ratios('common').map((x) => x.toFixed(2)).join(', ')})`);
    console.log(`status p99 = ${status.p99} ms in the median round, ${worstP99} ms at worst (target < ${TARGET_P99_MS} ms): ${p99Met ? 'met' : 'NOT met'}`);

    const cpu = cpus();
    const row = (k: Kind) => {
      const r = medianRound(rounds[k]);
      return `| ${LABEL[k]} | ${Math.round(r.rps).toLocaleString('en')} | ${r.p50} | ${r.p99} | ${r.max} | ${r.total.toLocaleString('en')} | ${r.non2xx} | ${r.errors} |`;
    };
    const md = `# HTTP API benchmark

Command: \`pnpm bench api${quick ? ' --quick' : ''}\` (\`bench/api.bench.ts\`)${quick ? ' — QUICK run (2 000 journeys, 3 s rounds): not the reference figures' : ''}

Date: ${new Date().toISOString()}

Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} GiB free at the end), Node ${process.version}. Other engineers' builds and tests were running on the same two cores, so absolute figures are noisy; the routes are measured in turn in the same run against the same server process, and the ratios are taken round by round.

## Setup

- ${JOURNEYS.toLocaleString('en')} simulated journeys (${info.events.toLocaleString('en')} events, \`services/simulator\`, seed 7) appended to a fresh SQLite store (${info.loadSeconds.toFixed(1)} s), then \`startRuntime\` (the composition \`journey serve\` uses: store, in-process bus, ingest, projections, API) with the projections caught up (${info.catchUpSeconds.toFixed(1)} s).
- The server runs in a child process; autocannon runs in the parent: ${CONNECTIONS} connections, no pipelining, ${DURATION_S} s per round after a 1 s warm-up of each route, ${ROUNDS} rounds, each round measuring the three routes one after the other (the order rotates every round). Per route the table shows the median round; the ratio is the median of the per-round ratios (status round ÷ the plain round of the same round).
- **status**: \`GET /api/journeys/:id/status\` with an analyst bearer token (HS256 JWT, verified once and cached), a different journey on every request (all ${JOURNEYS.toLocaleString('en')} in turn, so each is asked again only after the others), through the full chain: request id and log line (logger at info; successful requests log at debug, so nothing is written), Prometheus histogram, CORS for the widget, the rate limiters (failed requests per IP; the per-journey limit, which staff tokens skip), auth, zod validation of the path and query, the customer/journey check, the status cache, ETag.
- **plain**: an Express 5 app in the same process with one route returning a constant status object of the same shape (\`res.json\`), no middleware: the ceiling, and the issue's yardstick.
- **plain+common**: the same constant route behind \`commonMiddleware\` (app.ts), what every API route goes through before routing: request id and log line, latency histogram, nosniff. It skips CORS, rate limits, auth, validation and the status lookup.

## Results

| route | req/s | p50 (ms) | p99 (ms) | max (ms) | requests | non-2xx | errors |
|---|---:|---:|---:|---:|---:|---:|---:|
${row('plain')}
${row('common')}
${row('status')}

All rounds: ${KINDS.map((k) => `${k === 'common' ? 'plain+common' : k} ${rounds[k].map((r) => `${Math.round(r.rps).toLocaleString('en')} req/s (p99 ${r.p99} ms)`).join(', ')}`).join('; ')}.

Per-round ratios: status ÷ plain ${ratios('plain').map((x) => x.toFixed(2)).join(', ')}; status ÷ plain+common ${ratios('common').map((x) => x.toFixed(2)).join(', ')}.

| target | measured | result |
|---|---:|---|
| status req/s ≥ ${TARGET_RATIO} × plain (median of rounds) | ${ratio.toFixed(2)} × | ${ratioMet ? 'met' : 'NOT met'} |
| status p99 < ${TARGET_P99_MS} ms (median round; no errors in any round) | ${status.p99} ms (worst round ${worstP99} ms) | ${p99Met ? 'met' : 'NOT met'} |
| (for reference) status ÷ plain+common | ${ratioCommon.toFixed(2)} × | — |

${WHERE_IT_GOES}
`;
    const out = fileURLToPath(new URL('../../../docs/benchmarks/api.md', import.meta.url));
    writeFileSync(out, md);
    console.log(`wrote ${out}`);
  } finally {
    child.stdin?.end();
    await new Promise((r) => {
      if (child.exitCode !== null) return r(undefined);
      child.once('exit', r);
      setTimeout(() => child.kill('SIGTERM'), 10_000).unref();
    });
    rmSync(dir, { recursive: true, force: true });
  }
}
