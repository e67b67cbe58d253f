import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ChainVerification, JourneyEvent } from '@journeys/contracts';
import { GENESIS_HASH, chainLink } from '../chain.ts';
import { COLUMNS, type EventRow } from './schema.ts';
import type { Context, Head } from './context.ts';

const PAGE = 5000;

/**
 * Walks the rows in position order, re-computing each link. With dense positions a gap is
 * itself a finding (a deleted row, reported at its position); with sparse positions gaps are
 * normal and a deleted row shows as the next row's link not matching.
 */
export function verifyOperation(ctx: Context): (options?: { onProgress?: (checked: number) => void }) => Promise<ChainVerification> {
  const page = ctx.db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`);
  // Each page and the head come from one snapshot: an append by another process between
  // the last page and the head must not look like deleted rows.
  const snapshot = ctx.db.transaction((after: number) => ({
    head: ctx.head.get() as Head | undefined,
    rows: page.all(after, PAGE) as EventRow[],
  }));

  return async (opts = {}) => {
    let previous = GENESIS_HASH;
    let last = 0;
    let checked = 0;
    let head: Head | undefined;
    const broken = (at: number, reason: string): ChainVerification => ({ ok: false, checked, brokenAt: at, reason, headHash: null });
    for (;;) {
      const taken = ctx.io(() => snapshot(last));
      const rows = taken.rows;
      head = taken.head;
      for (const row of rows) {
        if (!ctx.sparse && row.position !== last + 1) {
          return broken(last + 1, `position ${last + 1} is missing (the next stored position is ${row.position})`);
        }
        const link = chainLink(previous, row.position, row.stream, row.revision, row.recorded_at, rowEnvelope(row), row.data);
        if (link !== row.hash)
          return broken(
            row.position,
            `the event at position ${row.position} does not match its hash (edited, an event before it removed, or the chain before it rewritten)`,
          );
        if (Date.parse(row.occurred_at) !== row.occurred_ms) return broken(row.position, `the occurredAt index of position ${row.position} was edited`);
        previous = link;
        last = row.position;
        checked++;
      }
      opts.onProgress?.(checked);
      if (rows.length < PAGE) break;
      await yieldToLoop();
    }
    if (!head) return broken(last + 1, 'the chain head record is missing');
    if (head.position > last) {
      return ctx.sparse
        ? broken(head.position, `events after position ${last} up to the head at ${head.position} are missing (deleted after the last stored event)`)
        : broken(last + 1, `positions ${last + 1}..${head.position} are missing (deleted after the last stored event)`);
    }
    if (head.position < last) return broken(head.position + 1, `events after position ${head.position} are not covered by the chain head`);
    if (head.hash !== previous) return broken(last, 'the chain head does not match the last event');
    return { ok: true, checked, brokenAt: null, reason: null, headHash: previous };
  };
}

function rowEnvelope(row: EventRow): Omit<JourneyEvent, 'data' | 'type'> & { type: string } {
  return {
    id: row.id,
    type: row.type,
    journeyId: row.journey_id,
    department: row.department,
    occurredAt: row.occurred_at,
    schemaVersion: row.schema_version,
    actor: row.actor ?? undefined,
    correlationId: row.correlation_id ?? undefined,
    causationId: row.causation_id ?? undefined,
  };
}
