import type { KeyObject } from 'node:crypto';
import type { ChainVerification } from '@journeys/contracts';
import type { EventStore } from '@journeys/event-store';
import type { DigestRecord } from './record.ts';
import { verifyAgainstDigests } from './verify.ts';

/**
 * The whole audit answer: the store's own chain (every link recomputed) and the signed
 * digests (what was on disk when each was signed). Either failing fails the answer; the
 * first position named is the earlier of the two.
 */
export async function verifyHistory(
  store: EventStore,
  anchors: { digests: readonly DigestRecord[]; keys: ReadonlyMap<string, KeyObject> } | undefined,
  options: { onProgress?: (checked: number) => void } = {},
): Promise<ChainVerification> {
  const chain = await store.verify(options);
  if (!anchors) return chain;
  const digests = await verifyAgainstDigests(store, anchors.digests, anchors.keys);
  if (digests.ok) return { ...chain, digests };
  const first = chain.ok || chain.brokenAt === null ? digests.brokenAt : digests.brokenAt === null ? chain.brokenAt : Math.min(chain.brokenAt, digests.brokenAt);
  return { ...chain, ok: false, brokenAt: first, reason: chain.ok ? digests.reason : `${chain.reason}; ${digests.reason}`, digests };
}
