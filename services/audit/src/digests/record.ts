import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/** The link before the first digest. */
export const GENESIS = '0'.repeat(64);

/**
 * One signed digest: "at `signedAt` the history held events up to `position`, and the
 * chain's link at that position was `headHash`", signed with Ed25519. Digests chain to one
 * another (`previous` is the SHA-256 of the previous digest's signature), so a digest
 * removed from the middle of a copy is noticed too. In the manner of CloudTrail's digest
 * files: kept outside the events table, shipped elsewhere, checked against the store.
 */
export const DigestRecordSchema = z.strictObject({
  version: z.literal(1),
  seq: z.int().min(0),
  position: z.int().min(0),
  headHash: z.string().regex(/^[0-9a-f]{64}$/),
  signedAt: z.iso.datetime({ offset: true }),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  previous: z.string().regex(/^[0-9a-f]{64}$/),
  signature: z.string().min(1),
});
export type DigestRecord = z.infer<typeof DigestRecordSchema>;

function payload(r: Omit<DigestRecord, 'signature'>): Buffer {
  return Buffer.from(`journeys-digest-v${r.version}\n${r.seq}\n${r.position}\n${r.headHash}\n${r.signedAt}\n${r.keyId}\n${r.previous}`, 'utf8');
}

export function linkOf(record: DigestRecord | undefined): string {
  return record ? createHash('sha256').update(record.signature).digest('hex') : GENESIS;
}

export function signDigest(
  fields: { position: number; headHash: string; signedAt: string },
  previous: DigestRecord | undefined,
  key: { keyId: string; privateKey: KeyObject },
): DigestRecord {
  const unsigned = {
    version: 1 as const,
    seq: previous ? previous.seq + 1 : 0,
    position: fields.position,
    headHash: fields.headHash,
    signedAt: fields.signedAt,
    keyId: key.keyId,
    previous: linkOf(previous),
  };
  return { ...unsigned, signature: sign(null, payload(unsigned), key.privateKey).toString('base64') };
}

export function signatureHolds(record: DigestRecord, keys: ReadonlyMap<string, KeyObject>): boolean {
  const key = keys.get(record.keyId);
  if (!key) return false;
  const { signature, ...unsigned } = record;
  return verify(null, payload(unsigned), key, Buffer.from(signature, 'base64'));
}
