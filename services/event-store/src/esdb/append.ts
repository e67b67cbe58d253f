import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedEvent } from '@eventstore/db-client';
import type { JourneyEvent } from '@journeys/contracts';
import { GENESIS_HASH, chainLink } from '../chain.ts';
import { EventStoreError, InvalidEventError, StoreUnavailableError, WrongExpectedRevisionError } from '../errors.ts';
import type { AppendOptions, AppendResult, AppendedEvent, ExpectedRevision, StreamBatch } from '../port.ts';
import { assertValidStreamName } from '../stream-name.ts';
import { normaliseExpected, revisionMatches, validateBatch, type ValidEvent } from '../validate.ts';
import { FORWARDS, NO_STREAM, START, drain, mapError, positionOf, toNumber, type Connection } from './client.ts';
import type { Context, JourneyMetadata } from './context.ts';
import { connectMapped } from './read.ts';

interface StreamState {
  actual: number;
  lastHash: string;
  byId: Map<string, { revision: number; position: number }>;
}

/**
 * Append on EventStoreDB. Every append first reads the target stream (journey streams are
 * short), so it can (1) answer a re-appended id with its original revision and position and
 * `duplicate: true`, as the SQLite store does, and (2) continue the per-stream hash chain
 * from the stream's last link. The write then uses the exact revision it read, so two
 * writers cannot fork a stream's chain; with `any`/`exists` a lost race is retried from a
 * fresh read, after a jittered pause. Both reads and the write go to the leader.
 */
export function appendOperations(ctx: Context): {
  append: (stream: string, events: readonly JourneyEvent[], options?: AppendOptions) => Promise<AppendResult>;
  appendMany: (batches: readonly StreamBatch[]) => Promise<AppendResult[]>;
} {
  /** Everything the append needs to know about a stream: ids already in it, last revision, last link. */
  async function streamState({ esdb, client }: Connection, stream: string): Promise<StreamState> {
    const byId = new Map<string, { revision: number; position: number }>();
    let actual = -1;
    let lastHash = GENESIS_HASH;
    let from: bigint | typeof START = START;
    for (;;) {
      let n = 0;
      try {
        const read = client.readStream(stream, { fromRevision: from, direction: FORWARDS, maxCount: ctx.pageSize, requiresLeader: true });
        for await (const resolved of drain<ResolvedEvent>(read, ctx.readTimeoutMs, `a read of ${stream}`)) {
          n++;
          const e = resolved.event;
          if (!e) continue;
          const revision = Number(e.revision);
          // EventStoreDB keeps ids as GUIDs and reads them back lower-case (Guid.ToString()),
          // while the envelope may carry upper-case hex: compare case-insensitively, or a
          // re-append of an upper-case id would be written a second time.
          byId.set(e.id.toLowerCase(), { revision, position: positionOf(resolved) ?? 0 });
          actual = revision;
          const meta = e.metadata as Partial<JourneyMetadata> | undefined;
          lastHash = meta?.hash ?? lastHash;
        }
      } catch (err) {
        if (err instanceof esdb.StreamNotFoundError) {
          if (actual === -1) await refuseIfDeleted({ esdb, client }, stream);
          return { actual, lastHash, byId };
        }
        throw mapError(err, stream);
      }
      if (n < ctx.pageSize) {
        if (actual === -1) await refuseIfDeleted({ esdb, client }, stream);
        return { actual, lastHash, byId };
      }
      from = BigInt(actual + 1);
    }
  }

  /**
   * A soft-deleted (or fully truncated) stream reads as empty, yet the server numbers the next
   * write after its old last revision (review F7): linking from revision 0 would store links
   * `verify` then reports as tampered. Its metadata says so (`$tb`): refuse before writing.
   */
  async function refuseIfDeleted({ client }: Connection, stream: string): Promise<void> {
    let truncateBefore: unknown;
    try {
      const { metadata } = await client.getStreamMetadata(stream, { requiresLeader: true });
      truncateBefore = (metadata as { truncateBefore?: unknown } | undefined)?.truncateBefore;
    } catch (err) {
      const mapped = mapError(err, stream);
      if (mapped instanceof StoreUnavailableError) throw mapped;
      return; // no metadata stream: a new stream
    }
    if (truncateBefore !== undefined && truncateBefore !== null) {
      throw new EventStoreError(
        `stream ${stream} was deleted or truncated on EventStoreDB ($tb set): appending would continue its old ` +
          'revisions and break its chain; tombstone it (hard delete) and use a new stream, never soft-delete journey streams',
      );
    }
  }

  async function appendOnce(stream: string, batch: ValidEvent[], expected: ExpectedRevision): Promise<AppendResult | 'retry'> {
    const connection = await connectMapped(ctx);
    const { esdb, client } = connection;
    const state = await streamState(connection, stream);
    const events = batch.map((v) => v.event);
    const placed = new Array<AppendedEvent | undefined>(events.length);
    const inBatch = new Map<string, number>();
    const fresh: number[] = [];
    for (let i = 0; i < events.length; i++) {
      const id = events[i]!.id;
      const key = id.toLowerCase(); // one GUID, whatever the hex case (see streamState)
      const existing = state.byId.get(key);
      if (existing) placed[i] = { id, ...existing, duplicate: true };
      else if (!inBatch.has(key)) {
        inBatch.set(key, i);
        fresh.push(i);
      }
    }
    let next = state.actual;
    if (fresh.length > 0) {
      if (!revisionMatches(expected, state.actual)) throw new WrongExpectedRevisionError(stream, expected, state.actual);
      let hash = state.lastHash;
      let revision = state.actual;
      const data = fresh.map((i) => {
        const e = events[i]!;
        revision++;
        hash = chainLink(hash, revision, stream, revision, '', e, batch[i]!.data);
        const metadata: JourneyMetadata = { journeys: 1, hash };
        if (e.correlationId !== undefined) metadata.$correlationId = e.correlationId;
        if (e.causationId !== undefined) metadata.$causationId = e.causationId;
        return esdb.jsonEvent({ id: e.id, type: e.type, data: e, metadata: metadata as unknown as Record<string, unknown> });
      });
      let result: Awaited<ReturnType<typeof client.appendToStream>>;
      try {
        result = await client.appendToStream(stream, data, {
          expectedRevision: state.actual === -1 ? NO_STREAM : BigInt(state.actual),
          requiresLeader: true,
        });
      } catch (err) {
        if (err instanceof esdb.WrongExpectedVersionError) {
          // Someone appended between our read and our write: with a caller's exact
          // expectation that is their conflict; with any/exists we read again and retry.
          if (expected === 'any' || expected === 'exists') return 'retry';
          const actual = typeof err.actualVersion === 'bigint' ? Number(err.actualVersion) : -1;
          throw new WrongExpectedRevisionError(stream, expected, actual);
        }
        throw mapError(err, stream);
      }
      if (!result.success) {
        // throwOnAppendFailure=false in the connection string: the client resolves a wrong
        // expected version instead of throwing (and its revision in that answer is not to be
        // trusted), so nothing was written. Treat it like the thrown form.
        if (expected === 'any' || expected === 'exists') return 'retry';
        const now = await streamState(connection, stream);
        throw new WrongExpectedRevisionError(stream, expected, now.actual);
      }
      next = state.actual + fresh.length;
      if (result.nextExpectedRevision !== BigInt(next)) {
        throw new EventStoreError(
          `EventStoreDB stored the batch for ${stream} at revisions up to ${result.nextExpectedRevision}, not ${next} as linked: ` +
            'the stream was soft-deleted or written by another program; its chain will not verify',
        );
      }
      const positions = await readBack(connection, stream, state.actual + 1, fresh.map((i) => events[i]!.id), result.position?.commit);
      fresh.forEach((i, k) => {
        placed[i] = { id: events[i]!.id, revision: state.actual + 1 + k, position: positions[k]!, duplicate: false };
      });
    }
    for (let i = 0; i < events.length; i++) {
      if (!placed[i]) placed[i] = { ...placed[inBatch.get(events[i]!.id.toLowerCase())!]!, id: events[i]!.id, duplicate: true };
    }
    const appended = placed as AppendedEvent[];
    return { nextExpectedRevision: next, position: appended[appended.length - 1]!.position, events: appended };
  }

  /**
   * The exact position of every written event, from the leader, matched by id and revision.
   * A read-back that misses (it should not, on the leader) falls back to the append result's
   * position for a one-event batch (the last event's position, review F8), else fails: a
   * retry is safe, the events come back as duplicates with their positions.
   */
  async function readBack({ client }: Connection, stream: string, first: number, ids: string[], lastCommit: bigint | undefined): Promise<number[]> {
    const positions: number[] = [];
    try {
      const read = client.readStream(stream, { fromRevision: BigInt(first), direction: FORWARDS, maxCount: ids.length, requiresLeader: true });
      for await (const resolved of drain<ResolvedEvent>(read, ctx.readTimeoutMs, `the read-back of ${stream}`)) {
        const e = resolved.event;
        const k = positions.length;
        if (!e || Number(e.revision) !== first + k || e.id.toLowerCase() !== ids[k]!.toLowerCase()) break;
        const position = positionOf(resolved);
        if (position === undefined) break;
        positions.push(position);
      }
    } catch (err) {
      const mapped = mapError(err, stream);
      if (!(mapped instanceof StoreUnavailableError) || ids.length !== 1 || lastCommit === undefined) throw mapped;
    }
    if (positions.length === ids.length) return positions;
    if (ids.length === 1 && lastCommit !== undefined) return [toNumber(lastCommit)];
    throw new StoreUnavailableError(
      `the batch for ${stream} was written but reading it back found ${positions.length} of ${ids.length} events; append it again for their positions`,
    );
  }

  async function append(stream: string, events: readonly JourneyEvent[], appendOptions?: AppendOptions): Promise<AppendResult> {
    assertValidStreamName(stream);
    const expected = normaliseExpected(appendOptions);
    const valid = validateBatch(events);
    return appendValid(stream, valid, expected);
  }

  async function appendValid(stream: string, valid: ValidEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    ctx.ensureOpen();
    for (let attempt = 0; ; attempt++) {
      const result = await appendOnce(stream, valid, expected);
      if (result !== 'retry') return result;
      if (attempt >= ctx.maxRetries) throw new StoreUnavailableError(`append to ${stream} lost the race ${attempt + 1} times; try again`);
      // Jittered, growing pause: racing writers must not meet again on the next round trip.
      await sleep(Math.random() * 10 * 2 ** attempt);
    }
  }

  /**
   * One append is atomic only within a stream on EventStoreDB 24.10: streams are appended
   * independently (up to `appendConcurrency` at once), batches of one stream in order.
   * Every batch is validated before anything is written; after a failure some streams may
   * be stored, and the first failure (in batch order) is thrown once all have settled.
   */
  async function appendMany(batches: readonly StreamBatch[]): Promise<AppendResult[]> {
    if (!Array.isArray(batches)) throw new EventStoreError('appendMany needs an array of { stream, events } batches');
    const prepared = batches.map((b: StreamBatch, k) => {
      assertValidStreamName(b.stream);
      const expected = normaliseExpected(b);
      try {
        return { stream: b.stream, events: validateBatch(b.events), expected };
      } catch (err) {
        if (err instanceof InvalidEventError) throw new InvalidEventError(`batch ${k} (${b.stream}): ${err.message}`, err.eventId, err.problems);
        throw err;
      }
    });
    ctx.ensureOpen();
    const byStream = new Map<string, number[]>();
    prepared.forEach((b, k) => {
      const list = byStream.get(b.stream);
      if (list) list.push(k);
      else byStream.set(b.stream, [k]);
    });
    const results = new Array<AppendResult>(prepared.length);
    const failures = new Map<number, unknown>();
    const queue = [...byStream.values()];
    const lane = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        for (const k of next) {
          const b = prepared[k]!;
          try {
            results[k] = await appendValid(b.stream, b.events, b.expected);
          } catch (err) {
            failures.set(k, err);
            break; // later batches of this stream were checked against this one
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(ctx.appendConcurrency, queue.length) }, lane));
    if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
    return results;
  }

  return { append, appendMany };
}
