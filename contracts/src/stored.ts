import { z } from 'zod';
import { JourneyEventSchema } from './events.ts';

/** An event as the store keeps it: the envelope plus where and when it was recorded. */
export const StoredEventSchema = z.object({
  /** Global position in the whole history: increasing, opaque (compare it, never do arithmetic on it: gaps are normal). */
  position: z.int().min(0),
  stream: z.string(),
  /** 0-based revision within its stream. */
  revision: z.int().min(0),
  recordedAt: z.string().describe('ISO-8601 instant the store committed the event'),
  event: JourneyEventSchema,
  /** Hex SHA-256 link of the tamper-evident chain, where the store keeps one. */
  hash: z.string().optional(),
});
export type StoredEvent = z.infer<typeof StoredEventSchema>;

export const ChainVerificationSchema = z.object({
  ok: z.boolean(),
  checked: z.int(),
  /** First position whose link does not match (edited, deleted or inserted rows). */
  brokenAt: z.int().nullable(),
  reason: z.string().nullable(),
  headHash: z.string().nullable(),
  /** Where signed digests were checked too (services/audit): what they say. */
  digests: z
    .object({
      ok: z.boolean(),
      digests: z.int(),
      lastSignedPosition: z.int().nullable(),
      brokenAt: z.int().nullable().describe('first position that no longer matches a signed digest'),
      failedDigest: z.int().nullable(),
      reason: z.string().nullable(),
      keyIds: z.array(z.string()),
    })
    .optional(),
  /** Events whose personal fields were crypto-shredded (an erased key, not a changed event). */
  shredded: z.int().optional(),
});
export type ChainVerification = z.infer<typeof ChainVerificationSchema>;
