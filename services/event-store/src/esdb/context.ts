import type { RecordedEvent } from '@eventstore/db-client';
import type { JourneyEvent, StoredEvent } from '@journeys/contracts';
import { EventStoreError, StoreUnavailableError } from '../errors.ts';
import type { EventFilter, Subscription } from '../port.ts';
import type { ResumeOptions } from '../subscription.ts';
import { upcastStored } from '../validate.ts';
import type { Connection } from './client.ts';

/**
 * What this adapter writes as EventStoreDB event metadata. `$correlationId`/`$causationId`
 * follow EventStoreDB's conventions (its projections read them); `hash` is the link of
 * the per-stream chain (see verify.ts).
 */
export interface JourneyMetadata {
  journeys: 1;
  hash: string;
  $correlationId?: string;
  $causationId?: string;
}

export interface EventStoreDBEventStoreOptions {
  /** `esdb://host:2113?tls=false`, `esdb+discover://…` */
  connectionString: string;
  /** Events per page for readAll, verify and stream reads (small pages: each is one gRPC call). */
  pageSize?: number;
  /** How often an append with expectedRevision `any`/`exists` retries after losing a race. */
  maxRetries?: number;
  /** Longest wait for the server on a read, the version check or a page (the client gives reads no deadline). */
  readTimeoutMs?: number;
  /** Streams appended at once by `appendMany`. */
  appendConcurrency?: number;
  /** Back-off of a dropped subscription resuming. */
  resume?: ResumeOptions;
}

export interface Context {
  connect(): Promise<Connection>;
  pageSize: number;
  maxRetries: number;
  readTimeoutMs: number;
  appendConcurrency: number;
  resume: ResumeOptions | undefined;
  subscriptions: Set<Subscription>;
  ensureOpen(): void;
  isClosed(): boolean;
}

export function ensureOpenFor(isClosed: () => boolean): () => void {
  return () => {
    if (isClosed()) throw new StoreUnavailableError('the event store is closed');
  };
}

/** `asRecorded`: the payload exactly as written (verify hashes that), not upcast to the current version. */
export function toStored(e: RecordedEvent, position: number, asRecorded = false): StoredEvent | undefined {
  const meta = e.metadata as Partial<JourneyMetadata> | undefined;
  if (!e.isJson || meta?.journeys !== 1) return undefined; // not written by this adapter
  const event = asRecorded ? (e.data as unknown as JourneyEvent) : upcastStored(e.data as unknown as JourneyEvent, `${e.streamId}@${String(e.revision)}`);
  return {
    position,
    stream: e.streamId,
    revision: Number(e.revision),
    recordedAt: e.created.toISOString(),
    event,
    hash: meta.hash,
  };
}

/** The audit filters; EventStoreDB has no secondary indexes, so they run here. */
export function matcher(filter: EventFilter | undefined): ((e: StoredEvent) => boolean) | undefined {
  if (!filter) return undefined;
  const types = filter.types ? new Set(filter.types) : undefined;
  const from = filter.occurredFrom !== undefined ? instant(filter.occurredFrom, 'occurredFrom') : undefined;
  const to = filter.occurredTo !== undefined ? instant(filter.occurredTo, 'occurredTo') : undefined;
  return (s) => {
    const e = s.event;
    if (filter.streamPrefix && !s.stream.startsWith(filter.streamPrefix)) return false;
    if (types && !types.has(e.type)) return false;
    if (filter.journeyId !== undefined && e.journeyId !== filter.journeyId) return false;
    if (filter.department !== undefined && e.department !== filter.department) return false;
    if (from !== undefined || to !== undefined) {
      const t = Date.parse(e.occurredAt);
      if (from !== undefined && t < from) return false;
      if (to !== undefined && t >= to) return false;
    }
    return true;
  };
}

function instant(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new EventStoreError(`${name} must be an ISO-8601 date-time, got ${JSON.stringify(value)}`);
  return ms;
}

/** Revisions and counts the client sends as uint64: refuse what would become a bare RangeError or "Infinity". */
export function wholeNumber(value: number, name: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new EventStoreError(`${name} must be a whole number >= 0, got ${String(value)}`);
  return BigInt(value);
}
