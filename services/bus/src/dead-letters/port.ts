import type { DeadLetter, DeadLetterInput } from '../bus.ts';

/** How a re-drive (`journey dlq replay`) of a dead letter ended. */
export interface ReplayRecord {
  at: string;
  /** `stored`: appended now; `duplicate`: the store already had it; `rejected`: still refused (see detail). */
  outcome: 'stored' | 'duplicate' | 'rejected';
  detail?: string;
}

export interface DeadLetterQuery {
  /** Only letters after this `dlqSeq` (the cursor); default: from the first. */
  after?: number;
  /** Default 100. */
  limit?: number;
  /** A department name or slug: only its letters (`journey.dlq.<slug>`). */
  department?: string;
  reason?: string;
  /** Leave out letters already re-driven successfully (stored or duplicate); default false. */
  pendingOnly?: boolean;
}

export interface DeadLetterPage {
  letters: DeadLetter[];
  /** Pass as `after` for the next page; null when this was the last one. */
  next: number | null;
}

/**
 * Where dead letters are kept: durably, whatever the bus. Two adapters pass one contract
 * suite: `JOURNEY_DLQ` on NATS JetStream, and a table in the embedded store's SQLite file
 * for the in-process bus (plus an in-memory one for unit tests).
 */
export interface DeadLetterStore {
  /**
   * Stores a letter durably before resolving. A second `put` with the same `dedupeKey`
   * (the same message dead-lettered again after a crash) stores nothing new.
   */
  put(letter: DeadLetterInput, options?: { dedupeKey?: string }): Promise<void>;
  /** Oldest first. */
  list(query?: DeadLetterQuery): Promise<DeadLetterPage>;
  /** Records a re-drive's outcome on a letter (the last one wins). */
  markReplayed(dlqSeq: number, record: ReplayRecord): Promise<void>;
  /**
   * The right to erasure: every letter that mentions one of these journeys or the customer
   * reference (`mentions`) keeps its reason, codes and place but loses its payload, detail
   * and problem messages, durably and without a readable copy left behind. Returns how many
   * letters were erased; erasing again finds none.
   */
  erase(erased: { journeyIds: ReadonlySet<string>; customerRef?: string }, now?: Date): Promise<number>;
  /** Problems that make the store unusable right now (e.g. its stream was deleted); empty when fine. */
  problems(): Promise<string[]>;
  describe(): string;
  close(): Promise<void>;
}
