import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventStore } from '@journeys/event-store';
import type { EventBus } from '@journeys/bus';
import type { CalendarSet, JourneyQueries } from '@journeys/projections';
import type { Auth } from './auth/tokens.ts';
import type { RateLimits } from './http/rate-limit.ts';

/** What the API needs from the rest of the process; `journey serve` wires the real parts. */
export interface AppDeps {
  store: EventStore;
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
  /** Rate limits of the ingress and the status routes (requests per window per client; 0: off). */
  rateLimits?: RateLimits;
  /**
   * Longest time in ms a serialised customer status is reused by GET /api/journeys/:id/status
   * (entries are dropped at once when the journey changes, and when its SLA could flip); 0: off. Default 30 000.
   */
  statusCacheMs?: number;
  /** Business-hours calendars (JOURNEY_CALENDARS), shown at GET /api/calendars; absent: none configured. */
  calendars?: CalendarSet;
  /** Live silo alerts (GET /api/alerts, its SSE stream); absent: those routes answer 400. */
  alerts?: import('./alerts/service.ts').AlertService;
}
