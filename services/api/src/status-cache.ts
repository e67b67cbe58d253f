import { createHash } from 'node:crypto';
import type { CustomerStatus } from '@journeys/contracts';
import type { JourneyQueries, ReadModelChange } from '@journeys/projections';

/** A customer status as the status route sends it: serialised once, with its ETag. */
export interface CachedStatus {
  status: CustomerStatus;
  /** The status as UTF-8 JSON. */
  body: Buffer;
  etag: string;
  /** Wall-clock ms after which the entry must not be served (the SLA may flip, or the age bound). */
  validUntil: number;
}

/**
 * The instant after which `onTrack` can change with no event: an open journey that is still
 * within its promise turns `onTrack: false` once the clock passes `promisedBy` (slaState in
 * projections/src/sla.ts: `now > promisedBy`). A completed journey, one without a promise or
 * one already breached never changes by time alone. (`at-risk` is not shown to customers.)
 */
export function statusFlipsAfter(status: CustomerStatus): number {
  if (status.state === 'completed' || status.onTrack !== true || status.promisedBy === null) return Number.POSITIVE_INFINITY;
  return Date.parse(status.promisedBy);
}

/**
 * The version alone is not enough: the completion estimate (expectedBy…) moves with time
 * and with other journeys while the version, a function of the journey's own events, stays.
 */
export function statusEtag(version: number, body: Buffer): string {
  return `W/"${version}-${createHash('sha1').update(body).digest('base64url').slice(0, 12)}"`;
}

export interface StatusCacheOptions {
  /** Upper bound on an entry's age in ms, whatever else; 0 turns the cache off. Default 30 s. */
  maxAgeMs?: number;
  /** Entries kept at most (oldest dropped first). Default 50 000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * The status route's cache of serialised customer statuses. Without it every poll refolds
 * the status, compares it with the last one (two JSON.stringify in the read model) and
 * serialises it again. An entry is dropped when the projections announce a change to its
 * journey (`onChange`, called synchronously after each applied batch, before any request
 * can see the new state), and is never served past the instant the SLA could flip by time
 * alone; `maxAgeMs` bounds the age anyway, so a change that were ever applied without an
 * announcement could not be hidden for longer than that.
 */
export class StatusCache {
  private readonly entries = new Map<string, CachedStatus>();
  private readonly unsubscribe: () => void;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly queries: JourneyQueries,
    options: StatusCacheOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 50_000;
    this.now = options.now ?? Date.now;
    this.unsubscribe = queries.onChange((change: ReadModelChange) => {
      if (change.kind === 'journey') this.entries.delete(change.journeyId);
      // Catch-up ends with a refold of everything: start afresh rather than reason about it.
      else this.entries.clear();
    });
  }

  /** The journey's current status, serialised; undefined when there is no such journey. */
  get(journeyId: string): CachedStatus | undefined {
    const now = this.now();
    const hit = this.entries.get(journeyId);
    if (hit !== undefined && now <= hit.validUntil) return hit;
    const status = this.queries.customerStatus(journeyId);
    if (status === undefined) {
      if (hit !== undefined) this.entries.delete(journeyId);
      return undefined;
    }
    const body = Buffer.from(JSON.stringify(status), 'utf8');
    const entry: CachedStatus = {
      status,
      body,
      etag: statusEtag(status.version, body),
      validUntil: Math.min(statusFlipsAfter(status), now + this.maxAgeMs),
    };
    if (this.maxAgeMs <= 0) return entry;
    if (hit !== undefined) this.entries.delete(journeyId); // re-insert: the Map's order is the eviction order
    else if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(journeyId, entry);
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {
    this.unsubscribe();
    this.entries.clear();
  }
}
