import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_STORE, parseStoreLocation, StoreConfigError, type StoreLocation } from '@journeys/event-store';
import { CliError } from './errors.ts';

export { DEFAULT_STORE };
export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
const MIN_SECRET_LENGTH = 32;

/**
 * The process configuration, from the environment (PRODUCT.md § Configuration):
 *  - JOURNEY_STORE   `sqlite:<path>` (default sqlite:./data/journeys.db) or `esdb://host:2113?tls=false`
 *  - NATS_URL        NATS JetStream; absent: the in-process bus
 *  - PORT            HTTP port (default 8080); HOST the address to bind (default 127.0.0.1)
 *  - JOURNEY_AUTH_SECRET  token signing key (≥ 32 characters); absent: generated beside the store
 *  - JOURNEY_METRICS_PUBLIC=true  serve /metrics without a token
 *  - JOURNEY_WIDGET_ORIGINS  origins allowed to call the status routes (default *)
 *  - LOG_LEVEL       pino level (default info)
 *  - JOURNEY_CALENDARS  a business-hours calendar file (contracts/src/calendars.ts); absent: elapsed time only
 */
export interface JourneyConfig {
  store: string;
  storeLocation: StoreLocation;
  natsUrl: string | undefined;
  port: number;
  host: string;
  authSecret: string | undefined;
  metricsPublic: boolean;
  widgetOrigins: string;
  logLevel: string;
  viewerDir: string;
  /** JOURNEY_CALENDARS: path of the calendar file; undefined: no business time. */
  calendarsPath?: string | undefined;
  /** JOURNEY_ALERT_RULES, JOURNEY_ALERTS_DB, JOURNEY_ALERT_WEBHOOKS, JOURNEY_ALERT_WEBHOOK_SECRET (services/cli/src/alerts.ts). */
  alerts?: { rules?: string; db?: string; webhooks?: string; webhookSecret?: string };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): JourneyConfig {
  const store = nonEmpty(env.JOURNEY_STORE) ?? DEFAULT_STORE;
  let storeLocation: StoreLocation;
  try {
    storeLocation = parseStoreLocation(store);
  } catch (err) {
    if (err instanceof StoreConfigError) throw new CliError(err.message);
    throw err;
  }
  const portText = nonEmpty(env.PORT);
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (!/^\d{1,5}$/.test(portText ?? '0') || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError(`PORT ${JSON.stringify(portText)} is not a port number (0–65535)`);
  }
  const authSecret = nonEmpty(env.JOURNEY_AUTH_SECRET);
  if (authSecret !== undefined && Buffer.byteLength(authSecret, 'utf8') < MIN_SECRET_LENGTH) {
    throw new CliError(`JOURNEY_AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 48\`)`);
  }
  const logLevel = nonEmpty(env.LOG_LEVEL) ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new CliError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const metricsPublic = nonEmpty(env.JOURNEY_METRICS_PUBLIC);
  if (metricsPublic !== undefined && !['true', 'false', '1', '0'].includes(metricsPublic)) {
    throw new CliError('JOURNEY_METRICS_PUBLIC must be true or false');
  }
  return {
    store,
    storeLocation,
    natsUrl: nonEmpty(env.NATS_URL),
    port,
    host: nonEmpty(env.HOST) ?? DEFAULT_HOST,
    authSecret,
    metricsPublic: metricsPublic === 'true' || metricsPublic === '1',
    widgetOrigins: nonEmpty(env.JOURNEY_WIDGET_ORIGINS) ?? '*',
    logLevel,
    viewerDir: nonEmpty(env.JOURNEY_VIEWER_DIR) ?? fileURLToPath(new URL('../../../journey-viewer/dist', import.meta.url)),
    calendarsPath: nonEmpty(env.JOURNEY_CALENDARS),
    alerts: Object.fromEntries(
      Object.entries({ rules: env.JOURNEY_ALERT_RULES, db: env.JOURNEY_ALERTS_DB, webhooks: env.JOURNEY_ALERT_WEBHOOKS, webhookSecret: env.JOURNEY_ALERT_WEBHOOK_SECRET })
        .map(([k, v]): [string, string | undefined] => [k, nonEmpty(v)])
        .filter(([, v]) => v !== undefined),
    ),
  };
}

/** The calendar file `journey demo` uses when JOURNEY_CALENDARS is not set: the simulator's departments' hours. */
export const DEMO_CALENDARS = fileURLToPath(new URL('../../../infra/calendars/demo.json', import.meta.url));

/** Loads and validates JOURNEY_CALENDARS; a bad file is a clear CLI error, not a crash. */
export async function loadCalendars(config: Pick<JourneyConfig, 'calendarsPath'>): Promise<import('@journeys/projections').CalendarSet | undefined> {
  if (config.calendarsPath === undefined) return undefined;
  const { loadCalendarFile, CalendarFileError } = await import('@journeys/projections');
  try {
    return loadCalendarFile(config.calendarsPath);
  } catch (err) {
    if (err instanceof CalendarFileError) throw new CliError(`JOURNEY_CALENDARS: ${err.message}`);
    throw err;
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The directory beside the embedded store where its companions live (secret, snapshot). */
export function storeHome(config: Pick<JourneyConfig, 'storeLocation'>): string {
  return config.storeLocation.kind === 'sqlite' ? dirname(resolve(config.storeLocation.path)) : resolve('data');
}

/** Where the projections keep their checkpoint (snapshot) for this store; `journey rebuild` may delete it. */
export function projectionCheckpointDir(config: Pick<JourneyConfig, 'storeLocation'>): string | undefined {
  if (config.storeLocation.kind !== 'sqlite') return undefined;
  const path = resolve(config.storeLocation.path);
  return join(dirname(path), `${basename(path)}.projections`);
}

export interface AuthSecret {
  secret: string;
  /** `env`: JOURNEY_AUTH_SECRET; `file`: read from `path`; `generated`: created at `path` now. */
  source: 'env' | 'file' | 'generated';
  path?: string;
}

/**
 * JOURNEY_AUTH_SECRET, or the secret kept beside the embedded store (`auth-secret`, mode
 * 0600), created on first use. Both `journey serve` and `journey token` use this, so a
 * token printed by one is accepted by the other on the same store.
 */
export async function resolveAuthSecret(config: JourneyConfig): Promise<AuthSecret> {
  if (config.authSecret !== undefined) return { secret: config.authSecret, source: 'env' };
  const path = join(storeHome(config), 'auth-secret');
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (Buffer.byteLength(text, 'utf8') < MIN_SECRET_LENGTH)
      throw new CliError(`${path} holds a secret shorter than ${MIN_SECRET_LENGTH} characters: delete it to generate a new one`);
    const mode = (await stat(path)).mode & 0o777;
    // Someone loosened it (or a copy lost its mode): put it back rather than run with it exposed.
    if ((mode & 0o077) !== 0) await chmod(path, 0o600);
    return { secret: text, source: 'file', path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(path), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  try {
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process (serve and token at once) created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return resolveAuthSecret(config);
    throw err;
  }
  return { secret, source: 'generated', path };
}
