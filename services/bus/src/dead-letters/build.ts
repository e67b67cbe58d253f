import { departmentSlug, ERASED_PLACEHOLDER } from '@journeys/contracts';
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

export function isPendingReplay(letter: Pick<DeadLetter, 'replayed' | 'erasedAt'>): boolean {
  // An erased letter has nothing left to re-drive.
  if (letter.erasedAt !== undefined) return false;
  return letter.replayed === undefined || letter.replayed.outcome === 'rejected';
}

/**
 * Whether a dead letter speaks of an erased customer: its payload names one of their
 * journeys, or the customer reference itself. A payload that parses is matched on its
 * fields (`journeyId`, `data.customerRef`, anywhere in an array); one that does not (the
 * letters of invalid JSON) on the quoted strings, so a journey id never matches inside a
 * longer one. Built once per erasure, asked of every letter.
 */
export function mentionsOf(erased: { journeyIds: ReadonlySet<string>; customerRef?: string }): (letter: Pick<DeadLetter, 'payload'>) => boolean {
  const quoted = [...erased.journeyIds, ...(erased.customerRef !== undefined ? [erased.customerRef] : [])].map((x) => JSON.stringify(x));
  const hit = (v: unknown): boolean => {
    if (Array.isArray(v)) return v.some(hit);
    if (v === null || typeof v !== 'object') return false;
    const o = v as { journeyId?: unknown; data?: { customerRef?: unknown } };
    if (typeof o.journeyId === 'string' && erased.journeyIds.has(o.journeyId)) return true;
    return erased.customerRef !== undefined && o.data?.customerRef === erased.customerRef;
  };
  return (letter) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(letter.payload);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined && hit(parsed)) return true;
    return quoted.some((q) => letter.payload.includes(q));
  };
}

/** The letter without anything of the customer's: only its reason, codes and places stay. */
export function erasedLetter<T extends DeadLetterBody>(letter: T, at: Date): T {
  // Re-drive records go too: a refusal's detail may quote the payload.
  const { detail: _detail, payloadTruncatedFrom: _cut, replayed: _replayed, ...rest } = letter as T & { replayed?: unknown };
  return {
    ...rest,
    payload: ERASED_PLACEHOLDER,
    ...(letter.detail !== undefined ? { detail: ERASED_PLACEHOLDER } : {}),
    problems: letter.problems.map((p) => ({ ...p, message: ERASED_PLACEHOLDER })),
    erasedAt: at.toISOString(),
  } as T;
}
