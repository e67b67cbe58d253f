import { chainLink } from '../chain.ts';
import { EventIdConflictError, EventStoreError, InvalidEventError, WrongExpectedRevisionError } from '../errors.ts';
import type { AppendOptions, AppendResult, AppendedEvent, ExpectedRevision, StreamBatch } from '../port.ts';
import type { JourneyEvent } from '@journeys/contracts';
import { assertValidStreamName } from '../stream-name.ts';
import { normaliseExpected, revisionMatches, validateBatch, type ValidEvent } from '../validate.ts';
import { COLUMNS } from './schema.ts';
import { settle, type Context, type Head } from './context.ts';

/** Sparse mode: the gap before the next position, 1–1000 (EventStoreDB's are a few hundred bytes). */
const sparseGap = (): number => 1 + Math.floor(Math.random() * 1000);

/** `append` and `appendMany`: every event validated first, then one IMMEDIATE transaction. */
export function appendOperations(ctx: Context): {
  append: (stream: string, events: readonly JourneyEvent[], options?: AppendOptions) => Promise<AppendResult>;
  appendMany: (batches: readonly StreamBatch[]) => Promise<AppendResult[]>;
} {
  const { db } = ctx;
  const stmt = {
    setHead: db.prepare('UPDATE chain_head SET position = ?, hash = ? WHERE singleton = 1'),
    lastRevision: db.prepare('SELECT max(revision) AS revision FROM events WHERE stream = ?').pluck(),
    byId: db.prepare('SELECT stream, revision, position FROM events WHERE id = ?'),
    insert: db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`),
  };
  const step = ctx.sparse ? sparseGap : () => 1;

  function existingPlace(id: string, stream: string): AppendedEvent | undefined {
    const existing = stmt.byId.get(id) as { stream: string; revision: number; position: number } | undefined;
    if (!existing) return undefined;
    if (existing.stream !== stream) throw new EventIdConflictError(id, existing.stream, stream);
    return { id, revision: existing.revision, position: existing.position, duplicate: true };
  }

  /**
   * The write, inside one IMMEDIATE transaction (the write lock is taken first, so the head
   * and the stream's revision cannot move under us, even from another process). Fast path:
   * when the expected revision holds, each row is inserted with `ON CONFLICT(id) DO NOTHING`
   * and only an ignored insert costs a lookup. When it does not hold, the batch may still be
   * a retry of events already stored, which succeeds without a concurrency check.
   */
  function appendOne(stream: string, events: ValidEvent[], expected: ExpectedRevision, recordedAt: string): AppendResult {
    const head = ctx.head.get() as Head;
    const last = stmt.lastRevision.get(stream) as number | null;
    const actual = last ?? -1;
    const placed = new Array<AppendedEvent>(events.length);

    if (!revisionMatches(expected, actual)) {
      for (let i = 0; i < events.length; i++) {
        const original = existingPlace(events[i]!.event.id, stream);
        if (!original) throw new WrongExpectedRevisionError(stream, expected, actual);
        placed[i] = original;
      }
      return { nextExpectedRevision: actual, position: placed[placed.length - 1]!.position, events: placed };
    }

    let position = head.position;
    let hash = head.hash;
    let revision = actual;
    for (let i = 0; i < events.length; i++) {
      const { event: e, data } = events[i]!;
      const nextPosition = position + step();
      const nextRevision = revision + 1;
      const link = chainLink(hash, nextPosition, stream, nextRevision, recordedAt, e, data);
      const { changes } = stmt.insert.run(
        nextPosition,
        stream,
        nextRevision,
        e.id,
        e.type,
        e.journeyId,
        e.department,
        e.occurredAt,
        Date.parse(e.occurredAt),
        recordedAt,
        e.schemaVersion,
        e.actor ?? null,
        e.correlationId ?? null,
        e.causationId ?? null,
        data,
        link,
      );
      if (changes === 0) {
        // already stored (earlier, or earlier in this batch): report where
        placed[i] = existingPlace(e.id, stream)!;
        continue;
      }
      position = nextPosition;
      revision = nextRevision;
      hash = link;
      placed[i] = { id: e.id, revision, position, duplicate: false };
    }
    if (position !== head.position) stmt.setHead.run(position, hash);
    return { nextExpectedRevision: revision, position: placed[placed.length - 1]!.position, events: placed };
  }
  const appendTx = db.transaction(appendOne);
  /** Several streams in one transaction: a throw in any batch rolls back every batch before it. */
  const appendManyTx = db.transaction(
    (batches: { stream: string; events: ValidEvent[]; expected: ExpectedRevision }[], recordedAt: string): AppendResult[] =>
      batches.map((b) => appendOne(b.stream, b.events, b.expected, recordedAt)),
  );

  return {
    // better-sqlite3 is synchronous: each method runs to completion and settles its promise.
    append: (stream, events, options) =>
      settle(() => {
        assertValidStreamName(stream);
        const expected = normaliseExpected(options);
        const valid = validateBatch(events);
        const result = ctx.io(() => appendTx.immediate(stream, valid, expected, new Date().toISOString()));
        if (result.events.some((e) => !e.duplicate)) ctx.notify();
        return result;
      }),

    appendMany: (batches) =>
      settle(() => {
        if (!Array.isArray(batches)) throw new EventStoreError('appendMany needs an array of { stream, events } batches');
        // Everything is checked before the transaction: a bad batch anywhere writes nothing.
        const prepared = batches.map((b: StreamBatch, k) => {
          assertValidStreamName(b.stream);
          const expected = normaliseExpected(b);
          try {
            return { stream: b.stream, events: validateBatch(b.events), expected };
          } catch (err) {
            if (err instanceof InvalidEventError) {
              throw new InvalidEventError(`batch ${k} (${b.stream}): ${err.message}`, err.eventId, err.problems);
            }
            throw err;
          }
        });
        if (prepared.length === 0) return ctx.io(() => []);
        const results = ctx.io(() => appendManyTx.immediate(prepared, new Date().toISOString()));
        if (results.some((r) => r.events.some((e) => !e.duplicate))) ctx.notify();
        return results;
      }),
  };
}
