import { departmentSlug } from '@journeys/contracts';
import type { DeadLetter, DeadLetterInput } from '../bus.ts';

/** Characters of the original payload a dead letter keeps (a NATS message must stay within max_payload). */
export const MAX_DEAD_LETTER_PAYLOAD = 256 * 1024;
/** Problems a dead letter lists; a message with thousands of bad fields needs no more to be understood. */
export const MAX_DEAD_LETTER_PROBLEMS = 200;

export type DeadLetterBody = Omit<DeadLetter, 'dlqSubject' | 'dlqSeq' | 'replayed'>;

/** The one place a dead letter's body is built, for every adapter. */
export function buildDeadLetter(letter: DeadLetterInput, now: Date = new Date()): DeadLetterBody {
  const tooLong = letter.payload.length > MAX_DEAD_LETTER_PAYLOAD;
  return {
    reason: letter.reason,
    ...(letter.detail !== undefined ? { detail: letter.detail } : {}),
    problems: (letter.problems ?? []).slice(0, MAX_DEAD_LETTER_PROBLEMS),
    subject: letter.subject,
    payload: tooLong ? letter.payload.slice(0, MAX_DEAD_LETTER_PAYLOAD) : letter.payload,
    ...(tooLong ? { payloadTruncatedFrom: letter.payload.length } : {}),
    departmentSlug: letter.departmentSlug ?? 'unknown',
    ...(letter.eventId !== undefined ? { eventId: letter.eventId } : {}),
    ...(letter.streamSeq !== undefined ? { streamSeq: letter.streamSeq } : {}),
    ...(letter.deliveries !== undefined ? { deliveries: letter.deliveries } : {}),
    deadLetteredAt: now.toISOString(),
  };
}

/** A department filter as the slug the DLQ subject uses (a name or a slug both work). */
export function slugFilter(department: string | undefined): string | undefined {
  return department === undefined ? undefined : departmentSlug(department);
}

export function isPendingReplay(letter: Pick<DeadLetter, 'replayed'>): boolean {
  return letter.replayed === undefined || letter.replayed.outcome === 'rejected';
}
