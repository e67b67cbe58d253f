import { InvalidArgumentError, type Command } from 'commander';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const DAY = 86_400_000;

interface DemoOptions {
  seed: number;
  days: number;
  rate: number;
  port?: string;
  nats: boolean;
  live: boolean;
  viewerBuild: boolean;
}

/** What the demo keeps beside the store so a second run continues the same simulated world. */
interface DemoAnchor {
  seed: number;
  start: string;
  rate: number;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('serve + a simulator: 30 days of realistic multi-department journeys, then a live trickle')
    .option('--seed <n>', 'simulation seed', (v) => {
      if (!/^-?\d+$/.test(v) || Math.abs(Number(v)) > 2 ** 31 - 1) throw new InvalidArgumentError('seed must be an integer');
      return Number(v);
    }, 1)
    .option('--days <n>', 'days of history to seed (first run)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 365) throw new InvalidArgumentError('days must be an integer from 1 to 365');
      return n;
    }, 30)
    .option('--rate <journeys>', 'arrivals per day (weekly average); departments are staffed in proportion', (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0 || n > 5000) throw new InvalidArgumentError('rate must be a number above 0 and at most 5000');
      return n;
    }, 100)
    .option('-p, --port <port>', 'HTTP port (default: PORT or 8080; a free one if that is taken)')
    .option('--no-nats', 'use the in-process bus even when a local nats-server could be started')
    .option('--no-live', 'seed the history only, no live trickle')
    .option('--no-viewer-build', 'do not build the viewer when journey-viewer/dist is missing or older than its sources')
    .addHelpText(
      'after',
      `
The embedded default: SQLite under ./data (JOURNEY_STORE to change). The bus is NATS when
NATS_URL is set or a local nats-server can be started (its data under ./data/nats), the
in-process bus otherwise. History is appended straight to the store (idempotent: a second
run adds only what happened since); the live trickle goes through the emitter SDK, the bus
and ingest, as a department's events would. Ctrl-C stops everything cleanly.`,
    )
    .action(async (opts: DemoOptions) => {
      await runDemo(opts);
    });
}

async function runDemo(opts: DemoOptions): Promise<void> {
  const { CliError } = await import('../errors.ts');
  const { DEMO_CALENDARS, loadConfig, storeHome } = await import('../config.ts');
  const say = (line: string) => process.stderr.write(`${line}\n`);

  const config = loadConfig();
  // The simulator's departments keep office, extended and round-the-clock hours: business
  // figures only mean something against those same hours.
  if (config.calendarsFile === undefined) config.calendarsFile = DEMO_CALENDARS;
  const portExplicit = opts.port !== undefined || process.env.PORT?.trim();
  if (opts.port !== undefined) {
    const port = Number(opts.port);
    if (!/^\d{1,5}$/.test(opts.port) || port > 65_535) throw new CliError(`--port ${JSON.stringify(opts.port)} is not a port number`);
    config.port = port;
  }

  const controller = new AbortController();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say('\njourney demo: shutting down…');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  // The viewer is a Vite build: a fresh clone has none yet, and one older than its sources
  // would show a stale viewer. Only the repository's own build (the default viewerDir) is ours to make.
  if (opts.viewerBuild) {
    const { ensureViewerBuilt, viewerBuildIsStale, VIEWER_DIST } = await import('../viewer-build.ts');
    if (resolve(config.viewerDir) === resolve(VIEWER_DIST) && viewerBuildIsStale()) {
      say('journey demo: building the viewer (missing or older than its sources: pnpm --filter @journeys/viewer build)…');
      await ensureViewerBuilt().catch((err: Error) => {
        say(`journey demo: ${err.message.trimEnd()}\njourney demo: the API still works; the page at / may be missing or stale`);
      });
    }
  }

  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const f of cleanups.splice(0).reverse()) await f().catch((err: Error) => say(`journey demo: ${err.message}`));
  };

  try {
    // The bus: NATS_URL, else a local nats-server we start and stop, else in-process.
    if (!config.natsUrl && opts.nats) {
      const { startLocalNats } = await import('../local-nats.ts');
      const nats = await startLocalNats({ dataDir: join(storeHome(config), 'nats') }).catch((err: Error) => {
        say(`journey demo: no local nats-server (${err.message}); using the in-process bus`);
        return undefined;
      });
      if (nats) {
        cleanups.push(() => nats.stop());
        config.natsUrl = nats.url;
        say(
          `journey demo: started a local nats-server at ${nats.displayUrl} (pid ${nats.pid}, JetStream data in ${nats.dataDir}); ` +
            `authenticated: one user per department and the ingest user, passwords in ${nats.credentialsFile}`,
        );
      }
    } else if (config.natsUrl) {
      say('journey demo: NATS_URL is set: using that NATS');
    }
    if (controller.signal.aborted) return;

    const { startRuntime } = await import('../runtime.ts');
    let runtime;
    try {
      runtime = await startRuntime({ config });
    } catch (err) {
      if (portExplicit || !/already in use/.test((err as Error).message)) throw err;
      say(`journey demo: port ${config.port} is taken; using a free one`);
      runtime = await startRuntime({ config, port: 0 });
    }
    cleanups.push(() => runtime.close());

    // The simulated world is anchored where it first started, so a second run replays the
    // same past (nothing new is written) and only adds what happened since.
    const home = storeHome(config);
    await mkdir(home, { recursive: true });
    const anchorFile = join(home, 'demo.json');
    let anchor: DemoAnchor | undefined;
    try {
      const saved = JSON.parse(await readFile(anchorFile, 'utf8')) as DemoAnchor;
      if (saved.seed === opts.seed && saved.rate === opts.rate && Number.isFinite(Date.parse(saved.start))) anchor = saved;
    } catch {
      // first run, or an unreadable file: start afresh
    }
    const now = Date.now();
    if (!anchor) {
      anchor = { seed: opts.seed, rate: opts.rate, start: new Date(Math.floor(now / DAY) * DAY - opts.days * DAY).toISOString() };
      await writeFile(anchorFile, `${JSON.stringify(anchor, null, 2)}\n`);
    }

    const { splitAtNow, appendJourneys, emitterSink, playLive, DEFAULT_JOURNEYS_PER_DAY } = await import('@journeys/simulator');
    const { progressBar } = await import('../progress.ts');
    const { history, future } = splitAtNow({ seed: anchor.seed, start: anchor.start, journeysPerDay: anchor.rate, capacity: anchor.rate / DEFAULT_JOURNEYS_PER_DAY }, now);
    const journeyCount = new Set(history.map((e) => e.journeyId)).size;
    say(`journey demo: seeding ${journeyCount} journeys (${history.length} events) since ${anchor.start.slice(0, 10)}, seed ${anchor.seed}`);
    const bar = progressBar('history', journeyCount, 'journeys');
    const seeded = await appendJourneys(runtime.store, history, { onProgress: (done) => bar.update(done), signal: controller.signal });
    bar.stop();
    say(`journey demo: ${seeded.written} events written, ${seeded.duplicates} were already in the store`);
    if (controller.signal.aborted) return;

    // A customer whose request is still open makes the best widget example.
    const open = openJourneys(history);
    const featured = open.find((j) => j.startsWith('CLM-')) ?? open[0] ?? history.at(-1)?.journeyId;
    const analystToken = await runtime.auth.sign({ role: 'analyst', ttlSeconds: 7 * 24 * 3600 });
    const lines = [
      '',
      '  Journeys demo is running.',
      '',
      `  Journey map (viewer):  ${runtime.url}/?token=${analystToken}`,
      `  API docs (OpenAPI):    ${runtime.url}/api/openapi.json`,
      `  Analyst token:         ${analystToken}`,
    ];
    if (featured) {
      const customerToken = await runtime.auth.sign({ role: 'customer', journeyId: featured, ttlSeconds: 7 * 24 * 3600 });
      lines.push(
        `  Customer widget page:  ${runtime.url}/widget/status.html?journey=${encodeURIComponent(featured)}&token=${customerToken}`,
        '',
        '  Status widget on any page:',
        `    <script src="${runtime.url}/widget/journey-status.js"></script>`,
        `    <journey-status journey="${featured}" token="${customerToken}"></journey-status>`,
        '',
        `  Try the API:  curl -H "Authorization: Bearer ${analystToken}" ${runtime.url}/api/analytics/handoffs`,
      );
    }
    lines.push('', opts.live ? '  Live events follow below. Ctrl-C to stop.' : '  No live trickle (--no-live). Ctrl-C to stop.', '');
    process.stdout.write(`${lines.join('\n')}\n`);

    if (opts.live) {
      const sink = emitterSink({ bus: runtime.bus });
      cleanups.push(() => sink.close());
      await playLive(future, sink, {
        signal: controller.signal,
        onSent: (batch) => {
          for (const e of batch) process.stdout.write(`  live  ${e.occurredAt.slice(11, 19)}  ${e.journeyId}  ${e.department}: ${describeEvent(e)}\n`);
        },
        onError: (err) => say(`journey demo: live event not sent yet (${(err as Error).message}); retrying`),
      });
    }
    if (!controller.signal.aborted) await new Promise<void>((r) => controller.signal.addEventListener('abort', () => r(), { once: true }));
  } finally {
    await closeAll();
    // The handlers stay: a second SIGINT (tsx relays the terminal's one again) must not
    // turn a clean stop into exit 130.
    if (stopping) say('journey demo: stopped');
  }
}

function openJourneys(events: readonly { type: string; journeyId: string }[]): string[] {
  const done = new Set(events.filter((e) => e.type === 'JourneyCompleted').map((e) => e.journeyId));
  const open: string[] = [];
  for (let i = events.length - 1; i >= 0 && open.length < 50; i--) {
    const e = events[i]!;
    if (e.type === 'JourneyStarted' && !done.has(e.journeyId)) open.push(e.journeyId);
  }
  return open;
}

function describeEvent(e: { type: string; data: Record<string, unknown> }): string {
  const d = Object.fromEntries(Object.entries(e.data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  switch (e.type) {
    case 'HandoffRequested':
      return `hands off to ${d.toDepartment}`;
    case 'WorkStarted':
      return `starts ${d.activity}`;
    case 'WorkCompleted':
      return `completes ${d.activity}${d.outcome ? ` (${d.outcome})` : ''}`;
    case 'JourneyStarted':
      return `new ${d.journeyType} via ${d.channel}`;
    case 'JourneyCompleted':
      return `closed: ${d.outcome}`;
    case 'CustomerWaitStarted':
      return `waits on the customer: ${d.reason}`;
    case 'CustomerWaitEnded':
      return 'customer answered';
    case 'CustomerNotified':
      return `notifies the customer by ${d.channel}`;
    default:
      return e.type;
  }
}
