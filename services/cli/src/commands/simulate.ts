import { InvalidArgumentError, Option, type Command } from 'commander';
import type { EventSink } from '@journeys/simulator';
import { CliError } from '../errors.ts';

const DAY = 86_400_000;

export type SimulateTarget = { kind: 'http'; url: string } | { kind: 'nats'; url: string } | { kind: 'store'; connection: string };

/**
 * `--to`: an http(s) URL (a running `journey serve`), a NATS URL, or a store
 * (`sqlite:<path>`, `esdb://…`, or the word `store` for JOURNEY_STORE). Default: NATS_URL
 * when set, else the store.
 */
export async function parseTarget(to: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<SimulateTarget> {
  const value = to?.trim() || env.NATS_URL?.trim() || 'store';
  if (/^https?:\/\//i.test(value)) {
    try {
      return { kind: 'http', url: new URL(value).href };
    } catch {
      throw new CliError(`--to ${value} is not a valid URL`);
    }
  }
  if (/^(nats|tls|ws|wss):\/\//i.test(value)) return { kind: 'nats', url: value };
  if (value === 'store') {
    // Loaded here, not at the top: the store package is heavy and `journey --help` loads this file.
    const { loadConfig } = await import('../config.ts');
    return { kind: 'store', connection: loadConfig(env).store };
  }
  if (/^(sqlite:|esdb:\/\/|esdb\+discover:\/\/)/.test(value)) return { kind: 'store', connection: value };
  throw new CliError(`--to ${value} is not understood: use an http(s):// URL of a running server, a nats:// URL, sqlite:<path>, esdb://… or "store"`);
}

function positiveNumber(what: string, integer = false) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${what} must be a positive ${integer ? 'integer' : 'number'}`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('generate realistic multi-department journeys and send them to a server, NATS or a store')
    .option('--seed <n>', 'seed: the same seed and start give the same events (re-running adds nothing)', (v) => {
      if (!/^-?\d+$/.test(v) || Math.abs(Number(v)) > 2 ** 31 - 1) throw new InvalidArgumentError('seed must be an integer');
      return Number(v);
    }, 1)
    .option('--days <n>', 'days of history, ending now', positiveNumber('days'), 7)
    .option('--start <time>', 'start of the history (ISO-8601); default: midnight UTC, <days> days ago')
    .option('--rate <journeys>', 'arrivals per day (weekly average; weekdays get more)', positiveNumber('rate'), 100)
    .option('--capacity <factor>', 'staff of every department, relative to the default staffing for 100 journeys a day (default: rate / 100)', positiveNumber('capacity'))
    .addOption(new Option('--org <size>', 'organisation: standard (13 departments) or large (650 support teams in groups and divisions)').choices(['standard', 'large']).default('standard'))
    .option('--write-org-units <file>', 'also write the organisation\'s org-unit file (for JOURNEY_ORG_UNITS: the map\'s roll-up)')
    .option('--types <list>', 'journey types, comma-separated: insurance-claim, it-incident, loan-application')
    .option('--to <target>', 'http(s)://host:port (a running server; needs --token), nats://host:4222, sqlite:<path>, esdb://… or "store" (default: $NATS_URL, else $JOURNEY_STORE)')
    .addOption(new Option('--token <token>', 'admin or department token for an http target').env('JOURNEY_TOKEN'))
    .option('--direct', 'store target: append straight to the store instead of through the bus and ingest (bulk loading)')
    .option('--follow', 'after the history, keep the simulation going in real time until Ctrl-C')
    .addHelpText(
      'after',
      `
Examples:
  journey simulate --days 30                      # 30 days into ./data/journeys.db (via the in-process bus + ingest)
  journey simulate --to http://localhost:8080 --token $(journey token --role admin) --follow
  NATS_URL=nats://127.0.0.1:4222 journey simulate --seed 7 --rate 300
  journey simulate --org large --rate 250 --days 40 --direct --write-org-units data/org-units.json`,
    )
    .action(async (opts: { org: 'standard' | 'large'; writeOrgUnits?: string; seed: number; days: number; start?: string; rate: number; capacity?: number; types?: string; to?: string; token?: string; direct?: boolean; follow?: boolean }) => {
      const target = await parseTarget(opts.to);
      if (target.kind === 'http' && !opts.token) throw new CliError('an http target needs --token (or JOURNEY_TOKEN): e.g. --token $(pnpm -s journey token --role admin)');
      if (opts.direct && target.kind !== 'store') throw new CliError('--direct only applies to a store target');
      const now = Date.now();
      let start: number;
      if (opts.start !== undefined) {
        start = Date.parse(opts.start);
        if (!Number.isFinite(start) || !/\d{4}-\d{2}-\d{2}/.test(opts.start)) throw new CliError(`--start ${opts.start} is not an ISO-8601 date-time`);
        if (start > now) throw new CliError('--start is in the future');
      } else {
        start = Math.floor(now / DAY) * DAY - Math.ceil(opts.days) * DAY;
      }
      const types = opts.types?.split(',').map((t) => t.trim()).filter(Boolean);

      const { splitAtNow, emitterSink, httpSink, appendJourneys, playLive, DEFAULT_JOURNEYS_PER_DAY, largeOrgUnits } = await import('@journeys/simulator');
      if (opts.writeOrgUnits !== undefined) {
        if (opts.org !== 'large') throw new CliError('--write-org-units needs --org large (the standard organisation has no units)');
        const { writeFileSync } = await import('node:fs');
        writeFileSync(opts.writeOrgUnits, `${JSON.stringify(largeOrgUnits(), null, 1)}\n`);
        process.stderr.write(`journey simulate: org units written to ${opts.writeOrgUnits} (set JOURNEY_ORG_UNITS to it)\n`);
      }
      const { progressBar } = await import('../progress.ts');
      let split;
      try {
        split = splitAtNow({ seed: opts.seed, start, journeysPerDay: opts.rate, capacity: opts.capacity ?? opts.rate / DEFAULT_JOURNEYS_PER_DAY, ...(types ? { types } : {}), org: opts.org }, now);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      const { history, future } = split;
      const journeys = new Set(history.map((e) => e.journeyId)).size;
      process.stderr.write(
        `journey simulate: seed ${opts.seed}, ${journeys} journeys (${history.length} events) from ${new Date(start).toISOString()} to now, into ${describe(target, opts.direct === true)}\n`,
      );

      const cleanup: Array<() => Promise<void>> = [];
      const closeAll = async () => {
        for (const f of cleanup.reverse()) await f().catch(() => undefined);
      };
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      // Kept to the end: tsx relays a terminal's Ctrl-C a second time.
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        let sink: EventSink;
        let waitForIngest: (() => Promise<{ appended: number; duplicates: number; deadLettered: number }>) | undefined;
        if (target.kind === 'http') {
          sink = httpSink({ url: target.url, token: opts.token! });
        } else if (target.kind === 'nats') {
          const { openBus } = await import('@journeys/bus');
          const bus = await openBus(target.url).catch((err: Error) => {
            throw new CliError(`cannot reach NATS at ${target.url}: ${err.message}`);
          });
          cleanup.push(() => bus.close());
          sink = emitterSink({ bus });
          cleanup.push(() => sink.close());
        } else {
          const { openReachableStore } = await import('../existing-store.ts');
          let store;
          try {
            store = await openReachableStore(target.connection);
          } catch (err) {
            throw err instanceof CliError ? err : new CliError((err as Error).message);
          }
          cleanup.push(() => store.close());
          if (opts.direct) {
            const bar = progressBar('appending', journeys, 'journeys');
            const r = await appendJourneys(store, history, { onProgress: (done) => bar.update(done) });
            bar.stop();
            process.stderr.write(`journey simulate: ${r.written} events written, ${r.duplicates} already there\n`);
            if (opts.follow) process.stderr.write('journey simulate: --follow with --direct sends the live part through the in-process bus\n');
            if (!opts.follow) return;
          }
          const { createInProcessBus } = await import('@journeys/bus');
          const { startIngest } = await import('@journeys/ingest');
          const { pino } = await import('pino');
          const bus = createInProcessBus();
          cleanup.push(() => bus.close());
          const ingest = await startIngest({ bus, store, logger: pino({ level: 'warn' }, process.stderr), fetchWaitMs: 100 });
          cleanup.push(() => ingest.stop());
          sink = emitterSink({ bus });
          cleanup.push(() => sink.close());
          waitForIngest = async () => {
            while (bus.pending() > 0 && !controller.signal.aborted) await new Promise((r) => setTimeout(r, 50));
            return ingest.counters;
          };
          if (opts.direct) history.length = 0;
        }

        if (history.length > 0) {
          const bar = progressBar('sending', history.length);
          const chunk = 500;
          for (let i = 0; i < history.length && !controller.signal.aborted; i += chunk) {
            await sink.send(history.slice(i, i + chunk));
            bar.update(Math.min(i + chunk, history.length));
          }
          bar.stop();
          if (waitForIngest) {
            const c = await waitForIngest();
            process.stderr.write(`journey simulate: ${c.appended} events written, ${c.duplicates} already there, ${c.deadLettered} dead-lettered\n`);
          }
        }
        if (opts.follow && !controller.signal.aborted) {
          process.stderr.write('journey simulate: following in real time (Ctrl-C to stop)\n');
          let sent = 0;
          await playLive(future, sink, {
            signal: controller.signal,
            onSent: (batch) => {
              sent += batch.length;
              for (const e of batch) process.stdout.write(`${e.occurredAt} ${e.journeyId} ${e.department}: ${e.type}\n`);
            },
            onError: (err) => process.stderr.write(`journey simulate: send failed, retrying: ${(err as Error).message}\n`),
          });
          if (waitForIngest) await waitForIngest();
          process.stderr.write(`journey simulate: stopped after ${sent} live events\n`);
        }
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError(`simulation stopped while sending to ${describe(target, Boolean(opts.direct))}: ${(err as Error).message}`);
      } finally {
        await closeAll();
      }
    });
}

function describe(target: SimulateTarget, direct: boolean): string {
  if (target.kind === 'http') return `${target.url} (HTTP ingress)`;
  if (target.kind === 'nats') return `NATS at ${target.url.replace(/\/\/[^@/]*@/, '//***@')} (emitter SDK)`;
  return direct ? `${target.connection} (appended directly)` : `${target.connection} (emitter SDK → in-process bus → ingest)`;
}
