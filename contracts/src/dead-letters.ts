import { z } from 'zod';
import { ValidationProblemSchema } from './validation.ts';

/**
 * Why ingest sent a message to `JOURNEY_DLQ` (`journey.dlq.<department slug>`), in the order
 * it checks them (services/ingest/src/classify.ts). The AsyncAPI document lists them.
 */
export const DEAD_LETTER_REASONS = {
  invalid_subject: 'the subject is not journey.events.<department slug>.<type>',
  invalid_json: 'the body is not JSON',
  invalid_event: 'the envelope or payload (native or CloudEvent) breaks the schema; every problem is listed',
  department_mismatch: "the subject's department slug is not the slug of the event's department",
  type_mismatch: "the subject's type is not the event's type",
  msg_id_mismatch: 'the Nats-Msg-Id header is neither the event id nor its CloudEvent id',
  implausible_time: 'occurredAt is more than 5 minutes in the future, or before 1970',
  store_rejected: 'the event store refused the event for good (it will never fit)',
  max_deliveries: 'the message was delivered too many times without being acknowledged',
} as const;
export type DeadLetterReason = keyof typeof DEAD_LETTER_REASONS;

/** The JSON body of a `JOURNEY_DLQ` message. */
export const DeadLetterMessageSchema = z.object({
  reason: z.enum(Object.keys(DEAD_LETTER_REASONS) as [DeadLetterReason, ...DeadLetterReason[]]),
  detail: z.string().optional(),
  problems: z.array(ValidationProblemSchema),
  subject: z.string().describe('the subject the message arrived on'),
  payload: z.string().describe('the original body as text (cut at 256 Ki characters)'),
  payloadTruncatedFrom: z.int().optional(),
  departmentSlug: z.string(),
  eventId: z.string().optional(),
  streamSeq: z.int().optional(),
  deliveries: z.int().optional(),
  deadLetteredAt: z.string().describe('ISO-8601 instant'),
});
