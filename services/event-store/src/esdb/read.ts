import type { AllStreamResolvedEvent, ReadPosition, ResolvedEvent } from '@eventstore/db-client';
import type { StoredEvent } from '@journeys/contracts';
import { StoreUnavailableError } from '../errors.ts';
import type { EventStore, PagedEvent, ReadAllOptions, ReadStreamOptions } from '../port.ts';
import { assertValidStreamName } from '../stream-name.ts';
import { BACKWARDS, END, FORWARDS, START, drain, isSystem, mapError, positionOf, toNumber, toPosition } from './client.ts';
import { matcher, toStored, wholeNumber, type Context } from './context.ts';

/** headPosition reads backwards in pages this small, each consumed to its end (as Emmett does: 32). */
const HEAD_PAGE = 32;

export interface Reads extends Pick<EventStore, 'readStream' | 'readAll' | 'readAllPages' | 'headPosition' | 'eventAt' | 'eventsAfter'> {
  /** readAll with the payloads as recorded (verify). */
  readAllRecorded: (options?: ReadAllOptions) => AsyncGenerator<StoredEvent>;
}

export function readOperations(ctx: Context): Reads {
  /** The last head found: a later backwards walk may stop there (positions only grow). */
  let knownHead = 0;

  async function* readAll(opts: ReadAllOptions = {}, asRecorded = false): AsyncGenerator<StoredEvent> {
    ctx.ensureOpen();
    const backwards = opts.direction === 'backwards';
    let remaining = opts.maxCount ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    const match = matcher(opts.filter);
    const { client } = await connectMapped(ctx);
    let boundary = opts.after; // exclusive
    let from: ReadPosition = boundary === undefined || (boundary === 0 && !backwards) ? (backwards ? END : START) : toPosition(boundary);
    for (;;) {
      ctx.ensureOpen();
      // Ask for what is needed, not a fixed 1000: forwards from a boundary the server
      // includes it (review F4), so one more; at least 2, or a page of 1 never moves on.
      const inclusive = boundary !== undefined && !backwards ? 1 : 0;
      const wanted = match ? ctx.pageSize : Math.min(ctx.pageSize, remaining + inclusive);
      const ask = Math.max(wanted, inclusive + 1);
      let n = 0;
      let last: number | undefined;
      try {
        const read = client.readAll({ fromPosition: from, direction: backwards ? BACKWARDS : FORWARDS, maxCount: ask });
        for await (const resolved of drain<AllStreamResolvedEvent>(read, ctx.readTimeoutMs, 'a read of $all')) {
          n++;
          const e = resolved.event;
          if (!e) continue;
          const position = toNumber(e.position.commit);
          last = position;
          if (boundary !== undefined && (backwards ? position >= boundary : position <= boundary)) continue;
          if (isSystem(e.streamId, e.type)) continue;
          const stored = toStored(e, position, asRecorded);
          if (!stored || (match && !match(stored))) continue;
          yield stored;
          if (--remaining <= 0) return;
        }
      } catch (err) {
        throw mapError(err);
      }
      // A page that does not move past the boundary would be read again forever.
      if (n < ask || last === undefined || (boundary !== undefined && (backwards ? last >= boundary : last <= boundary))) return;
      boundary = last;
      from = toPosition(last);
    }
  }

  async function readStream(stream: string, options: ReadStreamOptions = {}, requiresLeader = false): Promise<StoredEvent[]> {
    assertValidStreamName(stream);
    ctx.ensureOpen();
    const backwards = options.direction === 'backwards';
    const max = options.maxCount === undefined ? Number.MAX_SAFE_INTEGER : options.maxCount;
    if (max <= 0) return [];
    if (max !== Number.MAX_SAFE_INTEGER) wholeNumber(max, 'maxCount');
    let from: bigint | typeof START | typeof END =
      options.fromRevision === undefined ? (backwards ? END : START) : wholeNumber(options.fromRevision, 'fromRevision');
    const { esdb, client } = await connectMapped(ctx);
    const out: StoredEvent[] = [];
    for (;;) {
      const ask = Math.min(ctx.pageSize, max - out.length);
      let n = 0;
      let lastRevision: bigint | undefined;
      try {
        const read = client.readStream(stream, { fromRevision: from, direction: backwards ? BACKWARDS : FORWARDS, maxCount: ask, requiresLeader });
        for await (const resolved of drain<ResolvedEvent>(read, ctx.readTimeoutMs, `a read of ${stream}`)) {
          n++;
          const e = resolved.event;
          if (!e) continue;
          lastRevision = e.revision;
          const stored = toStored(e, positionOf(resolved) ?? 0);
          if (stored) out.push(stored);
        }
      } catch (err) {
        if (err instanceof esdb.StreamNotFoundError) return out;
        throw mapError(err, stream);
      }
      if (n < ask || lastRevision === undefined || out.length >= max) return out;
      if (backwards && lastRevision === 0n) return out;
      from = backwards ? lastRevision - 1n : lastRevision + 1n;
    }
  }

  async function headPosition(): Promise<number> {
    ctx.ensureOpen();
    const { client } = await connectMapped(ctx);
    let from: ReadPosition = END;
    let boundary: number | undefined;
    // The last event that is not a system event ($stats etc. are written all the time).
    for (;;) {
      let n = 0;
      let last: number | undefined;
      try {
        const read = client.readAll({ fromPosition: from, direction: BACKWARDS, maxCount: HEAD_PAGE });
        for await (const resolved of drain<AllStreamResolvedEvent>(read, ctx.readTimeoutMs, 'the head position')) {
          n++;
          const e = resolved.event;
          if (!e) continue;
          const position = toNumber(e.position.commit);
          last = position;
          if (boundary !== undefined && position >= boundary) continue;
          // Returning from inside the page is safe: drain cancels the rest of the call.
          if (position <= knownHead) return knownHead;
          if (!isSystem(e.streamId, e.type) && toStored(e, position)) return (knownHead = position);
        }
      } catch (err) {
        throw mapError(err);
      }
      if (n < HEAD_PAGE || last === undefined) return knownHead;
      boundary = last;
      from = toPosition(last);
    }
  }

  async function eventAt(position: number): Promise<StoredEvent | undefined> {
    ctx.ensureOpen();
    if (!Number.isSafeInteger(position) || position <= 0) return undefined;
    const { client } = await connectMapped(ctx);
    try {
      // Forwards from a record boundary includes it (review F4); anything else is not an event's position.
      const read = client.readAll({ fromPosition: toPosition(position), direction: FORWARDS, maxCount: 1 });
      for await (const resolved of drain<AllStreamResolvedEvent>(read, ctx.readTimeoutMs, 'a read of one position')) {
        const e = resolved.event;
        if (!e || toNumber(e.position.commit) !== position || isSystem(e.streamId, e.type)) return undefined;
        return toStored(e, position);
      }
      return undefined;
    } catch (err) {
      const mapped = mapError(err);
      // Not a record boundary: the server answers InvalidPosition, i.e. no event there.
      if (mapped instanceof StoreUnavailableError) throw mapped;
      return undefined;
    }
  }

  async function eventsAfter(position: number, options: { atMost?: number } = {}): Promise<number> {
    const atMost = options.atMost ?? Number.POSITIVE_INFINITY;
    if (atMost <= 0) return 0;
    let n = 0;
    for await (const _ of readAll(position > 0 ? { after: position } : {})) {
      if (++n >= atMost) break;
    }
    return n;
  }

  async function* readAllPages(options: Omit<ReadAllOptions, 'direction'> = {}): AsyncGenerator<readonly PagedEvent[]> {
    let page: PagedEvent[] = [];
    for await (const s of readAll(options)) {
      page.push({ position: s.position, occurredMs: Date.parse(s.event.occurredAt), event: s.event });
      if (page.length >= ctx.pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  return {
    readStream: (stream, options) => readStream(stream, options),
    readAll: (options) => readAll(options),
    readAllRecorded: (options) => readAll(options, true),
    readAllPages,
    headPosition,
    eventAt,
    eventsAfter,
  };
}

export async function connectMapped(ctx: Context): Promise<Awaited<ReturnType<Context['connect']>>> {
  try {
    return await ctx.connect();
  } catch (err) {
    throw mapError(err);
  }
}
