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
 *  - JOURNEY_READ_STORE  the projections' read store file (default: beside the embedded store,
 *                    `<store>.read.db`; with EventStoreDB `./data/journeys.read.db`)
 *  - LOG_LEVEL       pino level (default info)
 *  - JOURNEY_AUTH_PREVIOUS_SECRETS  keys still accepted during a rotation (comma-separated)
 *  - JOURNEY_TOKEN_MAX_TTL  per-role lifetime maxima, e.g. `admin=12h,customer=30d`
 *  - JOURNEY_TRUST_PROXY    proxies whose X-Forwarded-For is believed (hops, or addresses/CIDRs)
 *  - JOURNEY_WIDGET_FRAME_ANCESTORS  origins that may frame /widget/status.html (default: JOURNEY_WIDGET_ORIGINS)
 *  - JOURNEY_ORG_UNITS  a JSON file mapping departments to organisational units (the map's roll-up)
 *  - JOURNEY_CALENDARS  a business-hours calendar file (contracts/src/calendars.ts); absent: elapsed time only
 *  - JOURNEY_ALERT_RULES  a JSON file of alert rules (contracts/src/alerts.ts); absent: the defaults
 *  - JOURNEY_ALERTS_DB  the alert store file (default: beside the embedded store, `<store>.alerts.db`)
 *  - JOURNEY_ALERT_WEBHOOKS  comma-separated URLs that receive alert digests; JOURNEY_ALERT_WEBHOOK_SECRET signs them
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
  /** The read store file (JOURNEY_READ_STORE). */
  readStore: string;
  authPreviousSecrets: string[];
  /** JOURNEY_CUSTOMER_STAGES: the customer-facing stage mapping (JSON file). */
  customerStagesFile: string | undefined;
  /** JOURNEY_AUDIT_DIR: signing keys and the digest log (default `<store>.audit` beside the embedded store). */
  auditDir: string | undefined;
  /** JOURNEY_AUDIT_EVERY_EVENTS (default 1000) and JOURNEY_AUDIT_EVERY (default 5m): when a digest is signed. */
  auditEveryEvents: string | undefined;
  auditEvery: string | undefined;
  /** JOURNEY_AUDIT_ACCEPT_MISMATCH=true: start even when the store's tail no longer matches its last digest. */
  auditAcceptMismatch: boolean;
  tokenMaxTtl: string | undefined;
  trustProxy: string | undefined;
  widgetFrameAncestors: string | undefined;
  orgUnitsFile: string | undefined;
  /** JOURNEY_CALENDARS: the calendar file; undefined: no business time. */
  calendarsFile: string | undefined;
  /** JOURNEY_ALERT_RULES: the alert rules file; undefined: the defaults. */
  alertRulesFile: string | undefined;
  /** The alert store file (JOURNEY_ALERTS_DB). */
  alertsDb: string;
  /** JOURNEY_ALERT_WEBHOOKS, comma-separated. */
  alertWebhooks: string[];
  alertWebhookSecret: string | undefined;
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
  const authPreviousSecrets = (nonEmpty(env.JOURNEY_AUTH_PREVIOUS_SECRETS) ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const old of authPreviousSecrets) {
    if (Buffer.byteLength(old, 'utf8') < MIN_SECRET_LENGTH) throw new CliError(`every JOURNEY_AUTH_PREVIOUS_SECRETS key must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return {
    authPreviousSecrets,
    customerStagesFile: nonEmpty(env.JOURNEY_CUSTOMER_STAGES),
    auditDir: nonEmpty(env.JOURNEY_AUDIT_DIR),
    auditEveryEvents: nonEmpty(env.JOURNEY_AUDIT_EVERY_EVENTS),
    auditEvery: nonEmpty(env.JOURNEY_AUDIT_EVERY),
    auditAcceptMismatch: ['true', '1'].includes(nonEmpty(env.JOURNEY_AUDIT_ACCEPT_MISMATCH) ?? ''),
    tokenMaxTtl: nonEmpty(env.JOURNEY_TOKEN_MAX_TTL),
    trustProxy: nonEmpty(env.JOURNEY_TRUST_PROXY),
    widgetFrameAncestors: nonEmpty(env.JOURNEY_WIDGET_FRAME_ANCESTORS),
    store,
    storeLocation,
    natsUrl: nonEmpty(env.NATS_URL),
    port,
    host: nonEmpty(env.HOST) ?? DEFAULT_HOST,
    authSecret,
    metricsPublic: metricsPublic === 'true' || metricsPublic === '1',
    widgetOrigins: nonEmpty(env.JOURNEY_WIDGET_ORIGINS) ?? '*',
    logLevel,
    readStore: resolve(nonEmpty(env.JOURNEY_READ_STORE)?.replace(/^sqlite:/, '') ?? besideStore(storeLocation, 'read')),
    viewerDir: nonEmpty(env.JOURNEY_VIEWER_DIR) ?? fileURLToPath(new URL('../../../journey-viewer/dist', import.meta.url)),
    orgUnitsFile: nonEmpty(env.JOURNEY_ORG_UNITS),
    calendarsFile: nonEmpty(env.JOURNEY_CALENDARS),
    alertRulesFile: nonEmpty(env.JOURNEY_ALERT_RULES),
    alertsDb: resolve(nonEmpty(env.JOURNEY_ALERTS_DB)?.replace(/^sqlite:/, '') ?? besideStore(storeLocation, 'alerts')),
    alertWebhooks: (nonEmpty(env.JOURNEY_ALERT_WEBHOOKS) ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
    alertWebhookSecret: nonEmpty(env.JOURNEY_ALERT_WEBHOOK_SECRET),
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The directory beside the embedded store where its companions live (secret, snapshot). */
export function storeHome(config: Pick<JourneyConfig, 'storeLocation'>): string {
  return config.storeLocation.kind === 'sqlite' ? dirname(resolve(config.storeLocation.path)) : resolve('data');
}

/** Where the in-heap design kept its snapshot (removed at start: the read store replaced it). */
export function projectionCheckpointDir(config: Pick<JourneyConfig, 'storeLocation'>): string | undefined {
  if (config.storeLocation.kind !== 'sqlite') return undefined;
  const path = resolve(config.storeLocation.path);
  return join(dirname(path), `${basename(path)}.projections`);
}

/** A companion file beside the embedded store (`journeys.db` → `journeys.<what>.db`); with EventStoreDB under ./data. */
function besideStore(loc: StoreLocation, what: 'read' | 'alerts'): string {
  if (loc.kind !== 'sqlite') return join('data', `journeys.${what}.db`);
  const path = resolve(loc.path);
  const name = basename(path).replace(/\.db$/, '');
  return join(dirname(path), `${name}.${what}.db`);
}

/** The calendar file `journey demo` uses when JOURNEY_CALENDARS is not set: the simulated departments' hours. */
export const DEMO_CALENDARS = fileURLToPath(new URL('../../../infra/calendars/demo.json', import.meta.url));

/** Loads and validates JOURNEY_CALENDARS; a bad file is a clear CLI error naming every problem, not a crash. */
export async function loadCalendars(config: Pick<JourneyConfig, 'calendarsFile'>): Promise<import('@journeys/projections').CalendarSet | undefined> {
  if (config.calendarsFile === undefined) return undefined;
  const { loadCalendarFile, CalendarFileError } = await import('@journeys/projections');
  try {
    return loadCalendarFile(config.calendarsFile);
  } catch (err) {
    if (err instanceof CalendarFileError) throw new CliError(`JOURNEY_CALENDARS: ${err.message}`);
    throw err;
  }
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

/** The token deny list beside the store (JSON lines, mode 0600), shared by `serve` and `journey token --revoke`. */
export function revocationFile(config: Pick<JourneyConfig, 'storeLocation'>): string {
  return join(storeHome(config), 'revoked-tokens.jsonl');
}
