import { chmod, mkdir, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { loadOrgUnits } from './org-units.ts';
import { createApp, registerProcessMetrics, type AlertService, type Auth, type JourneysApp, type RateLimits } from '@journeys/api';
import { startStatusKvPublisher, statusKvSettingsFromEnv, type EventBus, type NatsBus } from '@journeys/bus';
import { openEventStore, type EventStore } from '@journeys/event-store';
import { startIngest, type IngestHandle } from '@journeys/ingest';
import { createProjectionRunner, setCustomerStages, type JourneyQueries, type ProjectionRunner } from '@journeys/projections';
import { openConfiguredBus, deadLetterFile } from './dead-letters.ts';
import { loadCustomerStages } from './customer-stages.ts';
import { checkTail, countShredded, lastDigest, natsDigestPublisher, startDigestSigner, verifyHistory, type DigestSigner } from '@journeys/audit';
import { auditSchedule, eraseCustomer, isShredding, openAudit, shreddedStore } from './audit-setup.ts';
import { authFromConfig } from './auth.ts';
import { CliError } from './errors.ts';
import { loadCalendars, loadConfig, projectionCheckpointDir, resolveAuthSecret, type AuthSecret, type JourneyConfig } from './config.ts';
import { alertRulesFromFile, startAlerts, webhookUrls } from './alerts.ts';

export interface RuntimeOptions {
  /** Default: `loadConfig()` (the environment). */
  config?: JourneyConfig;
  /** Overrides config.port (0: an ephemeral port, as tests use). */
  port?: number;
  host?: string;
  logger?: Logger;
  /** Lines for the operator (what store, which bus, the URL); default: stderr. */
  announce?: (line: string) => void;
  /** The read store file; default config.readStore (JOURNEY_READ_STORE); false: in memory, rebuilt at every start. */
  readStore?: string | false;
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
  /** Signs the chain head into the digest log (and JetStream with NATS). */
  digests: DigestSigner;
  registry: Registry;
  logger: Logger;
  app: JourneysApp;
  /** Live silo alerts, evaluated on a timer and soon after new events (GET /api/alerts). */
  alerts: AlertService;
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
    // Files an operator writes by hand: a mistake in one stops start-up before anything is opened.
    const calendars = await loadCalendars(config);
    alertRulesFromFile(config.alertRulesFile);
    webhookUrls(config);

    const authSecret = await resolveAuthSecret(config);
    const auth = authFromConfig(config, authSecret.secret);
    cleanups.push(() => Promise.resolve(auth.close()));

    if (config.storeLocation.kind === 'sqlite') await mkdir(dirname(resolve(config.storeLocation.path)), { recursive: true });
    const rawStore = openEventStore(config.store);
    cleanups.push(() => rawStore.close());
    // The store holds personal data (sealed, but still): owner-only, and so are the WAL and
    // shared-memory files SQLite creates after this (it gives them the database's mode).
    if (config.storeLocation.kind === 'sqlite') {
      for (const suffix of ['', '-wal', '-shm']) await chmod(`${resolve(config.storeLocation.path)}${suffix}`, 0o600).catch(() => undefined);
    }
    // Data at rest is sealed per customer (crypto-shredding); every part below reads through it.
    const store = shreddedStore(config, rawStore);
    if (!(await store.ping())) throw new Error(`the event store ${describeStore(config)} is not reachable`);

    const bus = await openConfiguredBus(config);
    cleanups.push(() => bus.close());

    // The signed digests that anchor the history outside the store (services/audit).
    const audit = openAudit(config);
    const tail = await checkTail(store, lastDigest(audit.paths.digestsFile));
    if (!tail.ok) {
      if (!config.auditAcceptMismatch)
        throw new CliError(
          `refusing to start: ${tail.reason}. Run \`journey audit verify\` to see where; set JOURNEY_AUDIT_ACCEPT_MISMATCH=true to start anyway (the mismatch stays on record)`,
        );
      announce(`journeys: WARNING: ${tail.reason} (started anyway: JOURNEY_AUDIT_ACCEPT_MISMATCH)`);
      logger.warn({ reason: tail.reason }, 'audit: store tail does not match its last signed digest');
    }
    const auditLog = logger.child({ component: 'audit' });
    const signer = startDigestSigner({
      store,
      keys: audit.keys,
      file: audit.paths.digestsFile,
      ...auditSchedule(config),
      ...(bus.kind === 'nats' ? { publish: await natsDigestPublisher((bus as NatsBus).connection) } : {}),
      onError: (err) => auditLog.warn({ err }, 'cannot sign or publish a digest; retrying'),
    });
    cleanups.push(() => signer.stop());

    const registry = new Registry();
    registerProcessMetrics(registry);

    const readStorePath = options.readStore === false ? undefined : (options.readStore ?? config.readStore);
    if (readStorePath !== undefined) {
      await mkdir(dirname(readStorePath), { recursive: true });
      await removeLegacySnapshot(config);
    }
    // What customers are told: stage names from the mapping, never raw activity text.
    const stages = loadCustomerStages(config.customerStagesFile);
    setCustomerStages(stages.config);

    const projections = createProjectionRunner({
      store,
      ...(readStorePath !== undefined ? { readStorePath } : {}),
      ...(calendars ? { calendars } : {}),
      onError: (err) => logger.error({ err }, 'projection runner error'),
      onNotice: announce,
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

    const alerts = await startAlerts({ config, queries: projections.queries, bus, logger, calendars, dbPath: config.alertsDb });
    cleanups.push(async () => {
      await alerts.stop();
      alerts.store.close();
    });

    const app = createApp({
      alerts,
      ...(calendars ? { calendars } : {}),
      store,
      bus,
      queries: projections.queries,
      storeKind: config.storeLocation.kind,
      projectionsCaughtUp: () => projections.caughtUp(),
      auth,
      registry,
      logger: logger.child({ component: 'api' }),
      cursorKey: authSecret.secret,
      verifyAudit: async (onProgress) => {
        const result = await verifyHistory(rawStore, { digests: audit.digests(), keys: audit.keys.publicKeys() }, { onProgress });
        return isShredding(store) ? { ...result, shredded: await countShredded(store) } : result;
      },
      ...(isShredding(store)
        ? {
            eraseCustomer: async (customerRef: string) => {
              const r = eraseCustomer(config, store, customerRef, 'api');
              // The read store's rows held those journeys' actors and reasons: rewritten from
              // the store as it reads now ([erased]), so no copy outlives the key.
              await projections.rewriteJourneys(r.journeyIds);
              // Dead letters keep messages as sent, in clear: those naming the customer or one
              // of their journeys lose their payload (JOURNEY_DLQ, or the table in the store file).
              const deadLetters = await bus.deadLetterStore.erase({ journeyIds: new Set(r.journeyIds), customerRef }, new Date(r.record.at));
              await signer.signNow();
              return { journeys: r.journeys, existed: r.existed, erasedAt: r.record.at, deadLetters };
            },
          }
        : {}),
      viewerDir: options.app?.viewerDir ?? config.viewerDir,
      metricsPublic: config.metricsPublic,
      widgetOrigins: config.widgetOrigins,
      ...(config.widgetFrameAncestors !== undefined ? { widgetFrameAncestors: config.widgetFrameAncestors } : {}),
      ...(config.trustProxy !== undefined ? { trustProxy: config.trustProxy } : {}),
      ...(config.orgUnitsFile !== undefined ? { orgUnits: loadOrgUnits(config.orgUnitsFile) } : {}),
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
        ? `journeys: bus: in-process (NATS_URL is not set; events waiting for ingest live in memory only; dead letters are kept in ${deadLetterFile(config)})`
        : `journeys: bus: ${bus.describe()}`,
    );
    if (stages.source) announce(`journeys: customer stages from ${stages.source}`);
    announce(
      calendars
        ? `journeys: business hours from ${config.calendarsFile}: every duration also in business time`
        : 'journeys: no business-hours calendars (JOURNEY_CALENDARS): durations in elapsed time only',
    );
    announce(`journeys: silo alerts kept in ${config.alertsDb}${bus.kind === 'nats' ? ', published on journey.alerts.<department>' : ''}`);
    if (authSecret.source === 'env') announce('journeys: tokens signed with JOURNEY_AUTH_SECRET');
    else
      announce(
        `journeys: tokens signed with the key ${authSecret.source === 'generated' ? 'generated now and kept' : 'kept'} in ${authSecret.path} (set JOURNEY_AUTH_SECRET to choose one)`,
      );
    const resumed = projections.resumed;
    if (resumed)
      announce(
        resumed.resumed
          ? `journeys: read store ${readStorePath ?? '(memory)'} resumed from its checkpoint at position ${resumed.position}`
          : `journeys: read store ${readStorePath ?? '(memory)'} builds from the first event (${resumed.reason})`,
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
      digests: signer,
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

/** The in-heap design kept a snapshot directory beside the store: gone, and it held personal data. */
async function removeLegacySnapshot(config: JourneyConfig): Promise<void> {
  const dir = projectionCheckpointDir(config);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}
