import { z } from 'zod';
import { ValidationProblemSchema } from './validation.ts';

/** How a re-drive (`journey dlq replay`) of a dead letter ended. */
export const ReplayRecordSchema = z.object({
  at: z.string().describe('ISO instant of the re-drive'),
  outcome: z.enum(['stored', 'duplicate', 'rejected']).describe('stored now, already in the store, or still refused'),
  detail: z.string().optional(),
});

/**
 * A message ingest could not store, kept durably with its reasons (`JOURNEY_DLQ` on
 * `journey.dlq.<department slug>`, or the embedded store's file without NATS).
 */
export const DeadLetterSchema = z.object({
  reason: z.string().describe('invalid_subject, invalid_json, invalid_event, department_mismatch, type_mismatch, msg_id_mismatch, implausible_time, id_conflict, store_rejected, max_deliveries'),
  detail: z.string().optional(),
  problems: z.array(ValidationProblemSchema),
  subject: z.string().describe('the subject the message arrived on'),
  payload: z.string().describe('the original message body as text'),
  payloadTruncatedFrom: z.number().int().optional().describe('set when payload was cut: its original length in characters'),
  departmentSlug: z.string(),
  eventId: z.string().optional(),
  streamSeq: z.number().int().optional().describe('position of the original message in JOURNEY_EVENTS'),
  deliveries: z.number().int().optional(),
  deadLetteredAt: z.string(),
  dlqSubject: z.string(),
  dlqSeq: z.number().int().describe('position in the dead-letter queue'),
  replayed: ReplayRecordSchema.optional(),
  erasedAt: z
    .string()
    .optional()
    .describe('set when the letter mentioned an erased customer (right to erasure): payload, detail and problem messages then read [erased]; it cannot be re-driven'),
});

export const DeadLetterPageSchema = z.object({
  items: z.array(DeadLetterSchema),
  nextCursor: z.string().nullable(),
});

export type DeadLetterRecord = z.infer<typeof DeadLetterSchema>;
