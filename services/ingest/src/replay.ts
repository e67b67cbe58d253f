import { journeyStreamName } from '@journeys/contracts';
import type { DeadLetter, DeadLetterStore, ReplayRecord } from '@journeys/bus';
import { EventIdConflictError, type EventStore } from '@journeys/event-store';
import { isRefusal } from './append.ts';
import { classifyMessage } from './classify.ts';

export interface ReplayOptions {
  deadLetters: DeadLetterStore;
  store: EventStore;
  department?: string;
  reason?: string;
  /** Only these positions in the dead-letter queue. */
  seqs?: readonly number[];
  now?: () => number;
  onLetter?: (letter: DeadLetter, record: ReplayRecord) => void;
}

export interface ReplaySummary {
  stored: number;
  duplicate: number;
  rejected: number;
}

/**
 * Re-drives dead letters after a fix (an upcaster, a clock put right, a store back): each
 * letter not yet stored goes through ingest's own checks (classifyMessage) and the store's
 * idempotent append, and its outcome is recorded on the letter. Idempotent: letters already
 * stored are skipped, and an event the store already holds counts as a duplicate, never
 * twice. A letter still refused stays pending with the new reason. Throws when the store
 * fails (nothing is marked that was not done).
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = { stored: 0, duplicate: 0, rejected: 0 };
  const now = options.now ?? Date.now;
  const wanted = options.seqs ? new Set(options.seqs) : undefined;
  let after = 0;
  for (;;) {
    const page = await options.deadLetters.list({
      after,
      limit: 200,
      pendingOnly: true,
      ...(options.department !== undefined ? { department: options.department } : {}),
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
    });
    for (const letter of page.letters) {
      after = letter.dlqSeq;
      if (wanted && !wanted.has(letter.dlqSeq)) continue;
      const record = await redrive(options.store, letter, now());
      await options.deadLetters.markReplayed(letter.dlqSeq, record);
      summary[record.outcome]++;
      options.onLetter?.(letter, record);
    }
    if (page.next === null) return summary;
  }
}

async function redrive(store: EventStore, letter: DeadLetter, now: number): Promise<ReplayRecord> {
  const at = new Date(now).toISOString();
  if (letter.erasedAt !== undefined) {
    return { at, outcome: 'rejected', detail: `the letter's payload was erased at ${letter.erasedAt} (right to erasure): it cannot be re-driven` };
  }
  if (letter.payloadTruncatedFrom !== undefined) {
    return { at, outcome: 'rejected', detail: `the payload was cut at ${letter.payload.length} of ${letter.payloadTruncatedFrom} characters when dead-lettered: it cannot be re-driven` };
  }
  const c = classifyMessage({ subject: letter.subject, data: new TextEncoder().encode(letter.payload), headers: {}, streamSeq: letter.streamSeq ?? 0, deliveryCount: 0 }, now);
  if (!c.ok) return { at, outcome: 'rejected', detail: `${c.letter.reason}: ${c.letter.detail ?? ''}` };
  const stream = journeyStreamName(c.event.journeyId);
  try {
    const result = await store.append(stream, [c.event]);
    const appended = result.events[0]!;
    if (!appended.duplicate) return { at, outcome: 'stored' };
    const [held] = await store.readStream(stream, { fromRevision: appended.revision, maxCount: 1 });
    if (held && held.event.department !== c.event.department) {
      return { at, outcome: 'rejected', detail: `id_conflict: event id ${c.event.id} is already stored for department ${held.event.department}` };
    }
    return { at, outcome: 'duplicate' };
  } catch (err) {
    if (err instanceof EventIdConflictError) return { at, outcome: 'rejected', detail: `id_conflict: ${err.message}` };
    if (isRefusal(err)) return { at, outcome: 'rejected', detail: `store_rejected: ${(err as Error).message}` };
    throw err;
  }
}
