import { parseEventSubject, type ValidationProblem } from '@journeys/contracts';
import { toText, type BusMessage, type DeadLetterInput } from '@journeys/bus';

/** What a dead letter is built from: the message as it came off the bus. */
export type LetterSource = Pick<BusMessage, 'subject' | 'data' | 'streamSeq' | 'deliveryCount'>;

/**
 * The one place ingest builds a dead letter (invalid messages, store refusals, id clashes,
 * exhausted deliveries): the reason, every problem, the original subject and bytes, and
 * where the message sat in the events stream. `dedupeKey` makes a second dead-lettering of
 * the same stream position (after a crash) count once.
 */
export function deadLetterOf(
  msg: LetterSource,
  reason: string,
  problems: ValidationProblem[],
  extra: Partial<DeadLetterInput> = {},
): { letter: DeadLetterInput; dedupeKey: string } {
  const eventId = extra.eventId ?? idOf(msg.data);
  return {
    letter: {
      reason,
      detail: problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; '),
      problems,
      subject: msg.subject,
      payload: toText(msg.data),
      departmentSlug: parseEventSubject(msg.subject)?.departmentSlug ?? 'unknown',
      ...(eventId !== undefined ? { eventId } : {}),
      streamSeq: msg.streamSeq,
      deliveries: msg.deliveryCount,
      ...extra,
    },
    dedupeKey: `dlq-${msg.streamSeq}`,
  };
}

function idOf(data: Uint8Array): string | undefined {
  try {
    const v = JSON.parse(toText(data)) as { id?: unknown };
    return typeof v?.id === 'string' ? v.id : undefined;
  } catch {
    return undefined;
  }
}
