import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApp, createAuth, type Auth, type JourneysApp, type RateLimits } from '@journeys/api';
import { openBus, startStatusKvPublisher, statusKvSettingsFromEnv, type EventBus, type NatsBus } from '@journeys/bus';
import { openEventStore, type EventStore } from '@journeys/event-store';
import { startIngest, type IngestHandle } from '@journeys/ingest';
import { createProjectionRunner, type JourneyQueries, type ProjectionRunner } from '@journeys/projections';
import { loadCalendars, loadConfig, projectionCheckpointDir, resolveAuthSecret, type AuthSecret, type JourneyConfig } from './config.ts';

export interface RuntimeOptions {
  /** Default: `loadConfig()` (the environment). */
  config?: JourneyConfig;
  /** Overrides config.port (0: an ephemeral port, as tests use). */
  port?: number;
  host?: string;
  logger?: Logger;
  /** Lines for the operator (what store, which bus, the URL); default: stderr. */
  announce?: (line: string) => void;
  /** Projection checkpoint; default beside the embedded store; false: rebuild at every start. */
  checkpointDir?: string | false;
  /** Extra app settings (tests shorten heartbeats, for instance). */
  app?: { sseHeartbeatMs?: number; readyMaxLag?: number; viewerDir?: string; rateLimits?: RateLimits };
  /** Wait for the projections to catch up before listening (default false: /readyz says when). */
  waitForCatchUp?: boolean;
}

/** Everything `journey serve` runs, in one process; `journey demo` adds a simulator on top. */
export interface Runtime {
  config: JourneyConfig;
  store: EventStore;
  bus: EventBus;
  ingest: IngestHandle;
  projections: ProjectionRunner;
  queries: JourneyQueries;
  auth: Auth;
  authSecret: AuthSecret;
  registry: Registry;
  logger: Logger;
  app: JourneysApp;
  /** Live silo alerts (evaluated on a timer and after new events). */
  alerts: import('@journeys/api').AlertService;
  server: Server;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  /** Stops accepting requests, ends streams, then stops ingest, projections, bus and store, in that order. */
  close(): Promise<void>;
}

/**
 * The composition root: store → bus → projections → ingest → API. Each part is closed in
 * reverse order on `close()`, and a failure half-way through start-up closes what was
 * already opened, so no file handle or socket outlives a failed start.
 */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const config = options.config ?? loadConfig();
  const logger =
    options.logger ??
    pino({
      level: config.logLevel,
      base: { service: 'journeys' },
      // Belt and braces: nothing we log carries these, but a stray object must not leak them.
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          '*.headers.authorization',
          'token',
          '*.token',
          'secret',
          '*.secret',
        ],
        censor: '[REDACTED]',
      },
    });
  const announce = options.announce ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.warn({ err }, 'error while shutting down');
      }
    }
  };

  try {
    const authSecret = await resolveAuthSecret(config);
    const auth = createAuth({ secret: authSecret.secret });

    if (config.storeLocation.kind === 'sqlite') await mkdir(dirname(resolve(config.storeLocation.path)), { recursive: true });
    const store = openEventStore(config.store);
    cleanups.push(() => store.close());
    if (!(await store.ping())) throw new Error(`the event store ${describeStore(config)} is not reachable`);

    const bus = await openBus(config.natsUrl);
    cleanups.push(() => bus.close());

    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'journeys_process_' });

    const checkpointDir = options.checkpointDir === false ? undefined : (options.checkpointDir ?? projectionCheckpointDir(config));
    const calendars = await loadCalendars(config);
    if (calendars) logger.info({ calendars: config.calendarsPath }, 'business-hours calendars loaded: business figures beside elapsed ones');
    const projections = createProjectionRunner({
      store,
      ...(calendars ? { calendars } : {}),
      ...(checkpointDir !== undefined ? { checkpointDir } : {}),
      onError: (err) => logger.error({ err }, 'projection runner error'),
    });
    await projections.start();
    cleanups.push(() => projections.stop());
    if (options.waitForCatchUp) await projections.waitUntilCaughtUp();

    const ingest = await startIngest({ bus, store, logger: logger.child({ component: 'ingest' }), metrics: registry });
    cleanups.push(() => ingest.stop());

    // customer statuses to the JOURNEY_STATUS KV bucket for stateless widget servers (docs/operations.md)
    const statusKv = statusKvSettingsFromEnv();
    if (bus.kind === 'nats' && statusKv.enabled) {
      const kvLog = logger.child({ component: 'status-kv' });
      const kv = await startStatusKvPublisher({ connection: (bus as NatsBus).connection, queries: projections.queries, replicas: statusKv.replicas, onError: (err) => kvLog.warn({ err }, 'cannot put a customer status; retrying') });
      cleanups.push(() => kv.stop());
    }

    const { startAlerts } = await import('./alerts.ts');
    const alerts = await startAlerts({ config, queries: projections.queries, bus, logger, calendars });
    cleanups.push(async () => {
      await alerts.stop();
      alerts.store.close();
    });

    const app = createApp({
      alerts,
      store,
      bus,
      queries: projections.queries,
      projectionsCaughtUp: () => projections.caughtUp(),
      auth,
      registry,
      logger: logger.child({ component: 'api' }),
      cursorKey: authSecret.secret,
      viewerDir: options.app?.viewerDir ?? config.viewerDir,
      metricsPublic: config.metricsPublic,
      widgetOrigins: config.widgetOrigins,
      ...(calendars ? { calendars } : {}),
      ...(options.app?.sseHeartbeatMs !== undefined ? { sseHeartbeatMs: options.app.sseHeartbeatMs } : {}),
      ...(options.app?.readyMaxLag !== undefined ? { readyMaxLag: options.app.readyMaxLag } : {}),
      ...(options.app?.rateLimits !== undefined ? { rateLimits: options.app.rateLimits } : {}),
    });
    cleanups.push(() => Promise.resolve(app.closeApp()));
    alerts.start();

    const server = await listen(app, options.port ?? config.port, options.host ?? config.host);
    cleanups.push(() => closeServer(server));
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;

    announce(`journeys: event store ${describeStore(config)}`);
    announce(
      bus.kind === 'in-process'
        ? 'journeys: bus: in-process (NATS_URL is not set; events waiting for ingest live in memory only)'
        : `journeys: bus: ${bus.describe()}`,
    );
    if (authSecret.source === 'env') announce('journeys: tokens signed with JOURNEY_AUTH_SECRET');
    else
      announce(
        `journeys: tokens signed with the key ${authSecret.source === 'generated' ? 'generated now and kept' : 'kept'} in ${authSecret.path} (set JOURNEY_AUTH_SECRET to choose one)`,
      );
    const snapshot = projections.snapshot;
    if (snapshot)
      announce(
        snapshot.loaded
          ? `journeys: projections resumed from their checkpoint at position ${snapshot.position}`
          : `journeys: projections rebuild from the first event (${snapshot.reason})`,
      );
    announce(`journeys: listening on ${url} (viewer at /, API at /api, OpenAPI at /api/openapi.json)`);

    return {
      config,
      store,
      bus,
      ingest,
      projections,
      queries: projections.queries,
      auth,
      authSecret,
      registry,
      logger,
      app,
      alerts,
      server,
      url,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function describeStore(config: JourneyConfig): string {
  const loc = config.storeLocation;
  if (loc.kind === 'sqlite') return `embedded SQLite at ${resolve(loc.path)}`;
  // Connection strings can carry credentials: show the host part only.
  const safe = loc.connectionString.replace(/\/\/[^@/]*@/, '//***@');
  return `EventStoreDB at ${safe}`;
}

function listen(app: JourneysApp, port: number, host: string): Promise<Server> {
  return new Promise((resolveListen, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolveListen(server));
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is already in use (set PORT)`) : err);
    });
    // Keep-alive a little longer than common proxies' idle timeouts; SSE streams are exempt.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    // Streams never end on their own: cut idle and streaming connections now.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}
