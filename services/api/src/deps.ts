import type { Logger } from 'pino';
import type { ChainVerification } from '@journeys/contracts';
import type { Registry } from 'prom-client';
import type { EventStore } from '@journeys/event-store';
import type { EventBus } from '@journeys/bus';
import type { CalendarSet, JourneyQueries } from '@journeys/projections';
import type { OrgUnits } from '@journeys/contracts';
import type { Auth } from './auth/tokens.ts';
import type { RateLimits } from './http/rate-limit.ts';
import type { AlertService } from './alerts/service.ts';

/** What the API needs from the rest of the process; `journey serve` wires the real parts. */
export interface AppDeps {
  store: EventStore;
  /** How /readyz names the store (`sqlite`, `esdb`): from the configuration, never from the store object. */
  storeKind?: string;
  bus: EventBus;
  queries: JourneyQueries;
  auth: Auth;
  /** Prometheus registry the app adds its metrics to and serves at /metrics. */
  registry: Registry;
  logger: Logger;
  /** Key for cursor MACs; defaults to a random per-process key (cursors then die with the process). */
  cursorKey?: string | Uint8Array;
  /** Built viewer (`journey-viewer/dist`); `/` explains how to build it when absent. */
  viewerDir?: string;
  /** Serve /metrics without a token (for a scraper on a private network). Default false: admin only. */
  metricsPublic?: boolean;
  /** Heartbeat interval of server-sent-event streams; default 15 s. */
  sseHeartbeatMs?: number;
  /** Open streams allowed per token before 429; default 8. */
  maxStreamsPerToken?: number;
  /** Open streams allowed in total before 429; default 10 000. */
  maxStreams?: number;
  /** /readyz fails while the projections are more than this many events behind the store; default 1 000. */
  readyMaxLag?: number;
  /**
   * Whether the projection runner has finished its catch-up (its first pass up to the store's
   * head). /readyz is not ready before, whatever the lag says. Absent: taken as caught up.
   */
  projectionsCaughtUp?: () => boolean;
  /** Origins allowed to call the status routes from a browser (the widget); default `*`. */
  widgetOrigins?: string;
  /**
   * The audit answer of GET /api/audit/verify: the store's chain and the signed digests
   * (services/audit). Absent: the store's chain alone.
   */
  verifyAudit?: (onProgress?: (checked: number) => void) => Promise<ChainVerification>;
  /** Crypto-shreds a customer's personal data (POST /api/erasures); absent: not offered. */
  eraseCustomer?: (customerRef: string) => Promise<{ journeys: number; existed: boolean; erasedAt: string; deadLetters: number }>;
  /** Origins that may frame the widget page (/widget/status.html); default: widgetOrigins. */
  widgetFrameAncestors?: string;
  /** JOURNEY_TRUST_PROXY (see trustProxySetting); default: trust no proxy. */
  trustProxy?: string;
  /** Rate limits of the ingress and the status routes (requests per window per client; 0: off). */
  rateLimits?: RateLimits;
  /**
   * Longest time in ms a serialised customer status is reused by GET /api/journeys/:id/status
   * (entries are dropped at once when the journey changes, and when its SLA could flip); 0: off. Default 30 000.
   */
  statusCacheMs?: number;
  /** Department → organisational units (JOURNEY_ORG_UNITS), for the map's roll-up; absent: none. */
  orgUnits?: OrgUnits;
  /** Business-hours calendars (JOURNEY_CALENDARS): GET /api/calendars, ?clock=business; absent: none configured. */
  calendars?: CalendarSet;
  /** Live silo alerts (GET /api/alerts and its stream); absent: those routes answer 404. */
  alerts?: AlertService;
}
